"""Walking the demo as each role, and reading each page as a person does: words, not codes.

``visible_text`` keeps what a person reads or hears on a page (its text, the title, alt and
aria-label text, option and button text, a textarea's contents) and drops the rest (scripts,
styles, attributes, hidden inputs, the csrf token). ``findings`` lists what a person should
never read there: snake_case, Coxa's own codes (every ``ErrorCode``, every enum value, every
code of the catalogue: collected by ``coxa_codes``, so the test grows with them), ISO dates,
Python's None/True/False/nan, pydantic's wording, and a procedure's title in lower case at
the start of a sentence. ``Walk`` follows every same-site link breadth-first from a role's
home page, one visit per URL pattern and query shape (and, for a hip's pages, per state of
its episode), and reads the HTML each PDF is drawn from as well.
"""

import enum
import html
import importlib
import pkgutil
import re
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from django.db import models
from django.test import Client
from django.urls import Resolver404, resolve
from pydantic import BaseModel

# ---------------------------------------------------------------- the visible text

_DROPPED = {"script", "style", "template", "svg"}
_BLOCKS = {
    "address", "article", "aside", "blockquote", "br", "button", "caption", "dd", "details",
    "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1",
    "h2", "h3", "h4", "h5", "h6", "header", "hr", "label", "legend", "li", "main", "nav",
    "ol", "optgroup", "option", "p", "pre", "section", "select", "summary", "table", "tbody",
    "td", "textarea", "tfoot", "th", "thead", "title", "tr", "ul",
}  # fmt: skip
_READ_ATTRIBUTES = ("alt", "aria-label", "placeholder")
_BUTTON_INPUTS = {"submit", "button", "reset"}


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.dropped = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROPPED:
            self.dropped += 1
            return
        if tag in _BLOCKS:
            self.parts.append("\n")
        named = dict(attrs)
        for attribute in _READ_ATTRIBUTES:
            if named.get(attribute):
                self.parts.append(f"\n{named[attribute]}\n")
        if tag == "input" and (named.get("type") or "").lower() in _BUTTON_INPUTS:
            self.parts.append(f"\n{named.get('value') or ''}\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _DROPPED:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROPPED:
            self.dropped = max(0, self.dropped - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.dropped:
            self.parts.append(data)


def visible_text(page: str) -> str:
    """What a person reads on the page, one block of it a line."""
    reader = _Reader()
    reader.feed(page)
    reader.close()
    lines = (" ".join(line.split()) for line in "".join(reader.parts).splitlines())
    return "\n".join(line for line in lines if line)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(html.unescape(href))


def links_of(page: str) -> list[str]:
    parser = _Links()
    parser.feed(page)
    parser.close()
    return parser.hrefs


# ---------------------------------------------------------------- the codes Coxa defines


def _import_all(package: str = "coxa") -> None:
    root = importlib.import_module(package)
    for info in pkgutil.walk_packages(root.__path__, prefix=f"{package}."):
        name = info.name
        if ".tests" in name or ".migrations" in name or ".management" in name:
            continue
        if name.endswith((".wsgi", ".settings", ".settings_test", "conftest")):
            continue
        importlib.import_module(name)


def _enums() -> Iterator[type[enum.Enum]]:
    seen: set[type[enum.Enum]] = set()
    pending: list[type[enum.Enum]] = list(enum.Enum.__subclasses__())
    while pending:
        kind = pending.pop()
        if kind in seen:
            continue
        seen.add(kind)
        pending.extend(kind.__subclasses__())
        if kind.__module__.startswith("coxa."):
            yield kind


def _strings_in(value: Any, depth: int = 0) -> Iterator[str]:
    """Every string inside a catalogue value: a model's fields, a dict's keys and values."""
    if depth > 12:
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings_in(key, depth + 1)
            yield from _strings_in(item, depth + 1)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            yield from _strings_in(item, depth + 1)
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _strings_in(getattr(value, name), depth + 1)


CODE = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)+$")


def coxa_codes() -> frozenset[str]:
    """Every code Coxa defines with a separator in it: enums, choices and the catalogue."""
    from coxa.catalogue.loader import get_catalogue

    _import_all()
    found: set[str] = set()
    for kind in _enums():
        for member in kind:
            if isinstance(member.value, str):
                found.add(member.value)
    for model in _models():
        for model_field in model._meta.get_fields():
            for choice in getattr(model_field, "choices", None) or ():
                if isinstance(choice[0], str):
                    found.add(choice[0])
    found.update(_strings_in(get_catalogue()))
    return frozenset(code for code in found if CODE.match(code))


def _models() -> Iterator[type[models.Model]]:
    from django.apps import apps

    for model in apps.get_models():
        if model.__module__.startswith("coxa."):
            yield model


def procedure_titles() -> tuple[str, ...]:
    from coxa.catalogue.registry import all_procedures

    return tuple(p.title for p in all_procedures())


# ---------------------------------------------------------------- what a person never reads


@dataclass(frozen=True)
class Finding:
    where: str  # the page, with <id> for each identifier
    what: str  # the kind of problem
    token: str
    context: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what} {self.token!r} in «{self.context}»"


# Words a page may show that look like codes, each with the reason it is allowed. A key in
# lower case allows any case; a key with capitals allows only itself.
ALLOWED: dict[str, str] = {
    "follow-up": "English: 'follow-up' is how the service writes it (also a state's value)",
    "pre-assessment": "English: the pre-assessment clinic (also a code)",
    "metal-on-metal": "English: the kind of hip ('metal-on-metal surveillance')",
    "whole-blood": "English: 'a whole-blood result' (also a sample's code)",
    "self-care": "English: self-care (also a questionnaire item's code)",
    "out-of-bed": "English: 'first out-of-bed' (also a criterion's code)",
    "non-operative": "English: non-operative treatment",
    "1-year": "English: 'the 1-year point'",
    "EQ-5D-5L": "the questionnaire's name, as EuroQol writes it",
    "Ficat-Arlet": "the staging system's name, as its authors are written",
}
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
URL = re.compile(r"https?://\S+")
SNAKE = re.compile(r"(?<![\w./])[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+(?![\w/])")
KEYED = re.compile(r"(?<![\w.])[a-z][a-z0-9]*(?:-[a-z0-9]+)*@\d+")  # "wound-check@12"
ISO_DATE = re.compile(r"(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)")
# None as a word of its own ("None", "None (say why)") is English; inside a sentence
# ("stop None →") it is Python's.
PYTHON = re.compile(r"(?<![\w'])(?:(?<=\S )None(?! [a-z(])|True|False|nan|NaN)(?![\w'])")
PYDANTIC = re.compile(
    r"String should|Input should|Field required|Value error|should be a valid|"
    r"validation errors? for|Extra inputs are not permitted|Assertion failed",
    re.IGNORECASE,
)
UCUM = re.compile(r"(?<![\w\[])[A-Za-z/]*\[[A-Za-z%]+\](?:/[A-Za-z0-9.]+)?")  # mm[Hg], [ppb]
SENTENCE_START = r"(?:^|(?<=[.!?:]\s)|(?<=\())"


def allowed(token: str) -> bool:
    return token in ALLOWED or token.lower() in ALLOWED


def _context(line: str, start: int, end: int) -> str:
    return line[max(0, start - 40) : end + 40]


@dataclass
class Reader:
    """Reads the text of one page for what a person never reads."""

    codes: frozenset[str]
    titles: tuple[str, ...]
    _code_pattern: re.Pattern[str] = field(init=False)
    _title_patterns: list[tuple[str, re.Pattern[str]]] = field(init=False)

    def __post_init__(self) -> None:
        kebab = sorted((c for c in self.codes if "-" in c and not allowed(c)), key=len)
        words = "|".join(re.escape(c) for c in reversed(kebab)) or "(?!)"
        self._code_pattern = re.compile(rf"(?<![\w-])(?:{words})(?![\w-])", re.IGNORECASE)
        self._title_patterns = []
        for title in self.titles:
            lower = title.lower()
            if lower == title:
                continue
            self._title_patterns.append(
                (title, re.compile(SENTENCE_START + re.escape(lower), re.MULTILINE))
            )
            # A title with a proper noun (Birmingham) is never written in lower case.
            if any(w[:1].isupper() for w in title.split()[1:]):
                self._title_patterns.append(
                    (title, re.compile(rf"(?<![\w-]){re.escape(lower)}(?![\w-])"))
                )

    def findings(self, where: str, text: str) -> list[Finding]:
        found: list[Finding] = []
        for line in text.splitlines():
            found += self._line(where, line)
        return found

    def _line(self, where: str, line: str) -> Iterator[Finding]:
        cleaned = URL.sub(lambda m: " " * len(m.group()), line)
        cleaned = EMAIL.sub(lambda m: " " * len(m.group()), cleaned)
        checks: list[tuple[str, re.Pattern[str]]] = [
            ("snake_case", SNAKE),
            ("a code with its day", KEYED),
            ("a Coxa code", self._code_pattern),
            ("an ISO date", ISO_DATE),
            ("a UCUM code", UCUM),
            ("a Python value", PYTHON),
            ("pydantic's wording", PYDANTIC),
        ]
        for what, pattern in checks:
            for match in list(pattern.finditer(cleaned)):
                token = match.group()
                if allowed(token):
                    continue
                yield Finding(where, what, token, _context(line, match.start(), match.end()))
                # One finding for one token: what a check found, the next ones do not see.
                start, end = match.span()
                cleaned = cleaned[:start] + " " * (end - start) + cleaned[end:]
        for title, pattern in self._title_patterns:
            for match in pattern.finditer(cleaned):
                yield Finding(
                    where,
                    f"'{title}' in lower case",
                    match.group(),
                    _context(line, match.start(), match.end()),
                )


# ---------------------------------------------------------------- the walk

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
SKIPPED_PATHS = ("/accounts/logout/", "/api/", "/static/", "/cds-services")
SKIPPED_ENDINGS = (".csv", ".ics")
PDF_ENDING = ".pdf"


def shown(url: str) -> str:
    """A page's address as a finding names it: identifiers as <id>."""
    return UUID.sub("<id>", url)


@dataclass
class Page:
    url: str
    status: int
    kind: str  # "html", "pdf" (the HTML it is drawn from)
    text: str


@dataclass
class Walk:
    """One role's walk of the site, breadth-first from its home page.

    A role visits each URL pattern and query shape once; beyond that, a page is visited
    again for a variety (``variety_of``: the state of a hip's episode, say) no role has
    visited yet, so that the roles' walks together see every hip page in every state.
    """

    client: Client
    starts: Iterable[str]
    variety_of: Callable[[str, dict[str, Any]], str] = lambda route, kwargs: ""
    covered: set[tuple[str, ...]] = field(default_factory=set)  # shared by the roles' walks
    limit: int = 400  # pages at most, in case a page links to endless others
    pages: list[Page] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # links that answered 403
    failed: list[str] = field(default_factory=list)  # pages that answered 5xx

    def shape(self, url: str) -> tuple[tuple[str, ...], str] | None:
        """What makes two addresses the same page, and its variety; None: not a page to read."""
        parts = urlsplit(url)
        path = parts.path
        if parts.scheme or parts.netloc or not path.startswith("/"):
            return None
        if path.startswith(SKIPPED_PATHS) or path.endswith(SKIPPED_ENDINGS):
            return None
        try:
            match = resolve(path)
        except Resolver404:
            return None
        keys = tuple(sorted({k for k, v in parse_qsl(parts.query, keep_blank_values=True) if v}))
        return (match.route, *keys), self.variety_of(match.route, match.kwargs)

    def run(self, captured: list[str]) -> list[Page]:
        queue: deque[str] = deque(self.starts)
        seen_urls: set[str] = set()
        shapes: set[tuple[str, ...]] = set()
        while queue and len(self.pages) < self.limit:
            url = queue.popleft()
            found = self.shape(url)
            if found is None or url in seen_urls:
                continue
            shape, variety = found
            if shape in shapes and (*shape, variety) in self.covered:
                continue
            seen_urls.add(url)
            shapes.add(shape)
            self.covered.add((*shape, variety))
            self._visit(url, captured, queue)
        return self.pages

    def _visit(self, url: str, captured: list[str], queue: deque[str]) -> None:
        del captured[:]
        response = self.client.get(url)
        status = response.status_code
        if status >= 500:
            self.failed.append(f"{shown(url)}: {status}")
            return
        if status == 403:
            self.refused.append(shown(url))
            return
        if status in (301, 302):
            queue.append(_normal(urljoin(url, response["Location"])))
            return
        if url.split("?", maxsplit=1)[0].endswith(PDF_ENDING):
            for drawn in captured:
                self.pages.append(Page(url, status, "pdf", visible_text(drawn)))
            return
        if "text/html" not in response.get("Content-Type", ""):
            return
        body = response.content.decode()
        self.pages.append(Page(url, status, "html", visible_text(body)))
        queue.extend(_normal(urljoin(url, href)) for href in links_of(body))


def _normal(url: str) -> str:
    """The address without its fragment, and its query in one order."""
    parts = urlsplit(url)
    if parts.netloc and parts.netloc != "testserver":
        return url
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return parts.path + (f"?{query}" if query else "")


def capture_pdf_html(monkeypatch: Any, captured: list[str]) -> None:
    """Every module that draws a PDF keeps its HTML here instead (the text is the same)."""
    from coxa.core import pdf

    original = pdf.pdf_from_html

    def drawn(source: str) -> bytes:
        captured.append(source)
        return b"%PDF-1.7 (the test reads the HTML)"

    for module in list(sys.modules.values()):
        if getattr(module, "pdf_from_html", None) is original:
            monkeypatch.setattr(module, "pdf_from_html", drawn)

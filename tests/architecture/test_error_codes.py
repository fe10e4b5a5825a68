"""Error codes: one enum, each code used, its statuses true, and its documentation current."""

import ast
from pathlib import Path

from coxa.core.errors import ErrorCode, errors_table

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "coxa"
STATUS = {
    "InvalidInput": 400,
    "Problem": 400,  # problems are raised together as InvalidInput.of(...)
    "NotAuthenticated": 401,
    "Forbidden": 403,
    "NotFound": 404,
    "Hidden": 404,
    "Conflict": 409,
}


def _sources() -> list[Path]:
    return [p for p in PACKAGE.rglob("*.py") if "tests" not in p.parts]


def _raised() -> list[tuple[str, ErrorCode, str]]:
    """(constructor, code, where) for every error or problem built with a literal code."""
    found = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            first = node.args[0]
            if (
                name in STATUS
                and isinstance(first, ast.Attribute)
                and isinstance(first.value, ast.Name)
                and first.value.id == "ErrorCode"
            ):
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                found.append((name, ErrorCode[first.attr], where))
    return found


def test_docs_api_errors_md_is_the_enum():
    text = (ROOT / "docs" / "api" / "errors.md").read_text()
    documented = text.split("<!-- error-codes:start -->\n")[1].split("<!-- error-codes:end")[0]
    assert documented.strip() == errors_table().strip(), "run: coxa errors --markdown"


def test_every_code_has_a_meaning_and_a_status():
    for code in ErrorCode:
        assert code.meaning.strip(), code
        assert code.statuses, code
        assert all(s == 2 or 400 <= s < 600 for s in code.statuses), code


def test_every_code_is_used_somewhere():
    errors = PACKAGE / "core" / "errors.py"
    after_the_enum = errors.read_text().split("class Problem:")[1]
    text = "\n".join(p.read_text() for p in _sources() if p != errors) + after_the_enum
    unused = [c.value for c in ErrorCode if f"ErrorCode.{c.name}" not in text]
    assert unused == [], "codes nothing raises: remove them from ErrorCode"


def test_every_raise_site_has_a_status_its_code_declares():
    # config/ answers with statuses of its own (its MEANING table, the handlers), not 400;
    # a command's problems end in its exit status.
    wrong = [
        f"{where}: {name}({code.value}) answers {STATUS[name]}, ErrorCode says {code.statuses}"
        for name, code, where in _raised()
        if STATUS[name] not in code.statuses
        and "/config/" not in where
        and "/management/" not in where
    ]
    assert wrong == []


def test_raise_sites_were_found():
    """The scan above sees the raise sites (a guard against it silently finding nothing)."""
    assert len(_raised()) > 150

"""Printable documents: HTML to a tagged (accessible) PDF.

Every PDF Coxa offers (the recovery plan, the getting-ready letter) is made here, so each is
tagged: a structure tree (``/StructTreeRoot``, ``/MarkInfo``) lets a screen reader follow the
headings, lists and tables, and keeps the language the HTML declares.

Many documents for one print run (a batch of letters) are laid out one at a time into a
``Bundle`` (the caller can say how far it has gone between them) and written as one tagged
PDF, each document starting on a new sheet when printed on both sides.
"""

from typing import Any


def pdf_from_html(html: str) -> bytes:
    """The PDF of a whole HTML document (give it ``<html lang>`` and a ``<title>``)."""
    from weasyprint import HTML  # noqa: PLC0415 - heavy; loaded only when a PDF is asked for

    return bytes(HTML(string=html).write_pdf(pdf_tags=True))


class Bundle:
    """Whole HTML documents gathered into one tagged PDF, each from a new sheet of paper.

    ``blank`` is the HTML of an empty page of the documents' size: a document with an odd
    number of pages is followed by it, so that printed on both sides no sheet carries the
    end of one document and the start of the next (two patients' letters on one sheet).
    """

    def __init__(self, *, blank: str) -> None:
        from weasyprint import HTML  # noqa: PLC0415 - heavy; loaded only when a PDF is asked for
        from weasyprint.text.fonts import FontConfiguration  # noqa: PLC0415

        self._html = HTML
        self._fonts = FontConfiguration()  # one for all: fonts loaded once, not per document
        self._blank = HTML(string=blank).render(font_config=self._fonts).pages[0]
        self._documents: list[Any] = []
        self._pages: list[Any] = []

    def add(self, html: str) -> int:
        """Lay out one document; how many printed pages it takes (a blank one included)."""
        document = self._html(string=html).render(font_config=self._fonts)
        self._documents.append(document)
        pages = list(document.pages)
        if len(pages) % 2:
            pages.append(self._blank)
        self._pages.extend(pages)
        return len(pages)

    @property
    def pages(self) -> int:
        return len(self._pages)

    def pdf(self) -> bytes:
        """The documents as one tagged PDF (the first one's title and language)."""
        if not self._documents:
            raise ValueError("a bundle with no document has no PDF")
        combined = self._documents[0].copy(self._pages)
        return bytes(combined.write_pdf(pdf_tags=True))

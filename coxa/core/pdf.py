"""Printable documents: HTML to a tagged (accessible) PDF.

Every PDF Coxa offers (the recovery plan, the getting-ready letter) is made here, so each is
tagged: a structure tree (``/StructTreeRoot``, ``/MarkInfo``) lets a screen reader follow the
headings, lists and tables, and keeps the language the HTML declares.
"""


def pdf_from_html(html: str) -> bytes:
    """The PDF of a whole HTML document (give it ``<html lang>`` and a ``<title>``)."""
    from weasyprint import HTML  # noqa: PLC0415 - heavy; loaded only when a PDF is asked for

    return bytes(HTML(string=html).write_pdf(pdf_tags=True))

"""The service's contact numbers (settings) and tagged PDFs (issue 13)."""

import re
import zlib
from pathlib import Path

from coxa.core.contacts import Contact, contacts_are_real, service_contacts
from coxa.core.pdf import pdf_from_html


def pdf_objects(pdf: bytes) -> bytes:
    """The PDF's bytes with every compressed stream opened (object streams hide the catalog)."""
    opened = [pdf]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            opened.append(zlib.decompress(stream))
        except zlib.error:
            continue
    return b"\n".join(opened)


def is_tagged(pdf: bytes) -> bool:
    objects = pdf_objects(pdf)
    return b"/StructTreeRoot" in objects and b"/MarkInfo" in objects


def test_the_example_numbers_are_from_ofcoms_drama_range_and_warn_outside_debug(settings):
    assert all(c.is_example for c in service_contacts())
    settings.DEBUG = False
    warnings = contacts_are_real()
    assert [w.id for w in warnings] == ["coxa.W002", "coxa.W002"]
    assert "COXA_CONTACT_WARD_PHONE" in (warnings[0].hint or "")
    settings.DEBUG = True
    assert contacts_are_real() == []


def test_real_numbers_do_not_warn(settings):
    settings.DEBUG = False
    settings.CONTACT_WARD_PHONE = "0300 123 4567"
    settings.CONTACT_OFFICE_PHONE = "0121 496 1000"  # next to the drama range, a real block
    assert contacts_are_real() == []
    ward, office = service_contacts()
    assert (ward.phone, ward.tel, ward.is_example) == ("0300 123 4567", "03001234567", False)
    assert not office.is_example


def test_a_number_is_an_example_only_inside_the_range():
    assert Contact("x", "0121 496 0999").is_example
    assert not Contact("x", "0121 496 1999").is_example
    assert not Contact("x", "0121 496 099").is_example  # too short: not a number at all


def test_every_pdf_is_tagged():
    pdf = pdf_from_html("<html lang='en-GB'><title>t</title><h1>Plan</h1><ul><li>a</li></ul>")
    assert pdf[:4] == b"%PDF"
    assert is_tagged(pdf)


def test_no_pdf_is_made_but_through_pdf_from_html():
    package = Path(__file__).resolve().parents[2]
    makers = [
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if "write_pdf(" in path.read_text() and path.name != "pdf.py" and "tests" not in path.parts
    ]
    assert makers == []

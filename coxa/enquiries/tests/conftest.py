"""Fixtures of consultation requests: a request as the form sends it, and one kept."""

from typing import Any

import pytest

from coxa.enquiries import services
from coxa.enquiries.domain import EnquiryIn
from coxa.enquiries.models import Enquiry

URL = "/consultation/"


def form(**overrides: Any) -> dict[str, Any]:
    fields = {
        "name": "Dora Quayle",
        "email": "dora@example.org",
        "procedure": "bhr",
        "phone": "0121 496 0123",
        "message": "My left hip hurts when I run.",
        "consent": "on",
    }
    return {k: v for k, v in (fields | overrides).items() if v is not None}


def receive(client: str = "192.0.2.1", *, automated: bool = False, **overrides: Any) -> Enquiry:
    fields: dict[str, Any] = {
        "name": "Bert Okafor",
        "email": "bert@example.org",
        "procedure": "bhr",
        "consent": True,
        "phone": "0121 496 0456",
        "message": "Hip pain for two years.",
    }
    entry = EnquiryIn(**(fields | overrides))
    return services.receive_enquiry(entry=entry, client=client, automated=automated).enquiry


@pytest.fixture
def enquiry(db: Any) -> Enquiry:
    return receive()

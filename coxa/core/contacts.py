"""The service's contact numbers, from settings (``COXA_CONTACT_*``), as typed data.

Shown beside the procedure's warning signs (``catalogue/shared/warning_signs.html``). The
defaults are examples from Ofcom's range reserved for drama, 0121 496 0000 to 0121 496 0999:
never a real line, and a system check warns while they are in use with COXA_DEBUG off.
"""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Warning

EXAMPLE_PREFIX = "01214960"  # Ofcom: 0121 496 0000 to 0121 496 0999 are for drama


@dataclass(frozen=True)
class Contact:
    label: str  # who answers and when, in plain English
    phone: str

    @property
    def is_example(self) -> bool:
        digits = "".join(c for c in self.phone if c.isdigit())
        return len(digits) == 11 and digits.startswith(EXAMPLE_PREFIX)  # noqa: PLR2004

    @property
    def tel(self) -> str:
        """The number for a ``tel:`` link (digits and a leading +)."""
        return "".join(c for c in self.phone if c.isdigit() or c == "+")


def service_contacts() -> tuple[Contact, ...]:
    """The ward (24 hours) first, then the team's office (working hours)."""
    return (
        Contact(settings.CONTACT_WARD_LABEL, settings.CONTACT_WARD_PHONE),
        Contact(settings.CONTACT_OFFICE_LABEL, settings.CONTACT_OFFICE_PHONE),
    )


def contacts_are_real(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Outside development, patients must not be given the example numbers."""
    if settings.DEBUG:
        return []
    return [
        Warning(
            f"The contact number {contact.phone} ({contact.label}) is an example from "
            "Ofcom's drama range: patients would be told to call a number that is not a line.",
            hint="Set COXA_CONTACT_WARD_PHONE and COXA_CONTACT_OFFICE_PHONE (see .env.example).",
            id="coxa.W002",
        )
        for contact in service_contacts()
        if contact.is_example
    ]

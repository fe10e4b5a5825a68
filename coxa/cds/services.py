"""What the CDS service keeps: a record of each answer it gives.

The patient's data arrives in the request's prefetch and is not stored; who asked, for which
hook instance, and how many cards were returned is recorded here, as every read is.
"""

from coxa.accounts.models import User
from coxa.core import audit


def record_patient_view(*, actor: User, hook_instance: str, cards: int) -> None:
    """Record a patient-view answer given to the token's user."""
    audit.record(
        actor=actor,
        action="cds.patient-view",
        object_type="cds-hook",
        object_id=hook_instance[:64],
        summary=f"{cards} card(s) returned",
        via=audit.Via.API,
    )

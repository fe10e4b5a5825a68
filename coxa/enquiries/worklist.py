"""The triage queue: consultation requests, newest first, by status (issue 17).

Reads stored, indexed columns only (status, received_at), so a page costs the same queries
however many requests there are (ADR 0018); the one audit record of a read names the
requests shown by their public ids, never a name or an address.
"""

from django.db.models import QuerySet

from coxa.accounts.domain import Capability
from coxa.accounts.models import User
from coxa.accounts.selectors import require
from coxa.core import audit
from coxa.core.errors import ErrorCode, InvalidInput
from coxa.core.pagination import PageRequest
from coxa.core.worklists import WorklistPage, page_of, record_read
from coxa.enquiries.domain import Status
from coxa.enquiries.models import Enquiry


def queue(*, actor: User, status: str = "") -> QuerySet[Enquiry]:
    """The requests of one status (every status when blank), newest first."""
    require(actor, Capability.TRIAGE_ENQUIRIES)
    rows = Enquiry.objects.all()
    if status:
        if status not in {s.value for s in Status}:
            allowed = ", ".join(s.value for s in Status)
            raise InvalidInput(
                ErrorCode.INVALID_VALUE, f"status must be one of: {allowed}", "status"
            )
        rows = rows.filter(status=status)
    return rows.order_by("-received_at", "-id")


def list_enquiries(
    *, actor: User, status: str, page: PageRequest, via: audit.Via
) -> WorklistPage[Enquiry]:
    """One page of the triage queue, counted up to the cap; audited once."""
    listed = page_of(queue(actor=actor, status=status), page, lambda enquiry: enquiry)
    record_read(
        actor=actor,
        worklist="enquiries",
        summary=f"Consultation requests ({listed.count} found)",
        via=via,
        shown=[enquiry.public_id for enquiry in listed.rows],
        filters={"status": status},
    )
    return listed

"""The demo's consultation requests: a few from the public site, waiting in the triage queue.

Each is received through the enquiries service as the public form sends it (the same checks,
marks and audit), at a moment some days back, so the queue and the nurse's and
administrator's home pages have something to show. Names and addresses are invented
(example.org is reserved for examples); no email is sent, and each request says so.
Loading twice adds nothing: each request carries a one-time key, as a form does.
"""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from coxa.accounts.domain import Role
from coxa.accounts.models import User
from coxa.core import audit, clock
from coxa.enquiries.domain import NOT_SURE, EnquiryIn, Status
from coxa.enquiries.services import change_status, receive_enquiry


@dataclass(frozen=True)
class DemoRequest:
    days_ago: int
    entry: EnquiryIn
    automated: bool = False  # the hidden field filled: kept, marked
    contacted: str = ""  # the nurse's note, when she has called back


REQUESTS = (
    DemoRequest(
        6,
        EnquiryIn(
            name="Owen Pryce",
            email="owen.pryce@example.org",
            procedure="bhr",
            consent=True,
            phone="07700 900123",
            message="I am 48 and run most weekends. My GP says my right hip is arthritic.",
        ),
    ),
    DemoRequest(
        3,
        EnquiryIn(
            name="Hana Mistry",
            email="hana.mistry@example.org",
            procedure="core-decompression",
            consent=True,
            message="An MRI showed avascular necrosis in my left hip. Could I be seen?",
        ),
        contacted="Called back; she will send her MRI report before we book a clinic.",
    ),
    DemoRequest(
        1,
        EnquiryIn(
            name="Tomasz Nowak",
            email="t.nowak@example.org",
            procedure=NOT_SURE,
            consent=True,
            phone="07700 900456",
        ),
    ),
    DemoRequest(
        0,
        EnquiryIn(
            name="Best Hip Deals",
            email="offers@example.org",
            procedure=NOT_SURE,
            consent=True,
            message="Cheap implants, click here",
        ),
        automated=True,
    ),
)


def load_requests(users: dict[Role, User], today: dt.date) -> int:
    """Receive the demo's requests that are not there yet; how many were added."""
    added = 0
    for number, demo in enumerate(REQUESTS, start=1):
        day = today - dt.timedelta(days=demo.days_ago)
        moment = timezone.make_aware(dt.datetime.combine(day, dt.time(10, number)))
        with clock.replaying(min(moment, clock.now())):  # receive_enquiry is atomic
            received = receive_enquiry(
                entry=demo.entry,
                client=f"192.0.2.{number}",  # documentation addresses (RFC 5737)
                automated=demo.automated,
                submission_key=f"demo-request-{number}",
                via=audit.Via.CLI,
            )
        if received.again:
            continue
        added += 1
        if demo.contacted:  # the nurse called back the next day
            called = min(moment + dt.timedelta(days=1), clock.now())
            with clock.replaying(called):
                change_status(
                    enquiry=received.enquiry,
                    to=Status.CONTACTED.value,
                    by=users[Role.NURSE],
                    via=audit.Via.CLI,
                    note=demo.contacted,
                )
    return added

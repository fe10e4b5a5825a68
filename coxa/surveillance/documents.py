"""The invitation to a metal-on-metal check, as typed data, a page's partial and a PDF.

Built from the hip's surveillance as ``selectors.access_surveillance`` returns it (which
checks who may read it and records the read, and the PDF as a copy taken away). The staff
page and its PDF show one text (``surveillance/shared/invitation_body.html``); the number to
call to rearrange is the service's setting (``core.contacts``), never typed into a template.
"""

import datetime as dt
from dataclasses import dataclass

from django.http import HttpResponse
from django.template.loader import render_to_string

from coxa.core import clock
from coxa.core.contacts import Contact, service_contacts
from coxa.core.pdf import pdf_from_html
from coxa.pathways.models import Episode
from coxa.patients.models import Patient
from coxa.surveillance.domain.recommend import Recommendation
from coxa.surveillance.domain.schedule import Next
from coxa.surveillance.selectors import HipSurveillance

# The appointment window offered around the due day (the service's choice, not a clinical
# threshold: the due day itself comes from the versioned table).
WINDOW_BEFORE = dt.timedelta(days=14)
WINDOW_AFTER = dt.timedelta(days=28)
SCAN_PLANS = (Recommendation.IMAGE.value, Recommendation.REFER.value)


@dataclass(frozen=True)
class Invitation:
    """What the invitation says; ``surveillance/shared/invitation_body.html`` shows it."""

    episode: Episode
    patient: Patient
    kind: Next  # what the check is: a review, a repeat blood test, a scan
    due_on: dt.date
    opens_on: dt.date  # the window we offer an appointment in
    closes_on: dt.date
    bloods: bool  # a blood test for cobalt and chromium
    scan: bool  # a scan of the hip (MARS MRI or ultrasound)
    scan_asked_at_review: bool  # the last review asked for it and it is not yet done
    referred: bool  # the last review referred the hip to discuss a further operation
    rearrange: Contact  # the team's office: whom to call to change the appointment
    today: dt.date

    @property
    def overdue(self) -> bool:
        return self.due_on < self.today


def _last_plan(shown: HipSurveillance) -> str:
    """The plan of the last review not struck out ("" when none)."""
    counted = [r for r in shown.reviews if r.struck_out_at is None]
    if not counted:
        return ""
    last = counted[-1]
    return last.recommendation if last.plan == "follow" else last.plan


def invitation_of(shown: HipSurveillance) -> Invitation | None:
    """The invitation to the hip's next check (None: the hip is not under surveillance)."""
    enrolment = shown.enrolment
    if not shown.active or enrolment is None or enrolment.next_due_on is None:
        return None
    today = clock.today()
    kind = Next(enrolment.next_kind) if enrolment.next_kind else Next.REVIEW
    due_on = enrolment.next_due_on
    # A scan asked for is outstanding only while the programme says so (one since answers it).
    asked = kind is Next.IMAGING
    plan = _last_plan(shown)
    return Invitation(
        episode=shown.episode,
        patient=shown.episode.patient,
        kind=kind,
        due_on=due_on,
        opens_on=max(due_on - WINDOW_BEFORE, today),
        closes_on=max(due_on, today) + WINDOW_AFTER,
        bloods=kind is Next.REPEAT_BLOODS or (kind is Next.REVIEW and enrolment.needs_bloods),
        scan=kind is Next.IMAGING or enrolment.needs_imaging or asked,
        scan_asked_at_review=asked and plan in SCAN_PLANS,
        referred=plan == "refer-revision" and enrolment.flagged_on is not None,
        rearrange=service_contacts()[-1],  # the team's office (working hours)
        today=today,
    )


def invitation_pdf_response(invitation: Invitation) -> HttpResponse:
    """The printable invitation (``selectors.access_surveillance`` records the copy)."""
    html = render_to_string("surveillance/invitation_print.html", {"letter": invitation})
    response = HttpResponse(pdf_from_html(html), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="hip-check-invitation-{invitation.episode.side}-hip.pdf"'
    )
    return response

"""The invitation to a metal-on-metal check, as typed data, a page's partial and a PDF.

Built from the hip's surveillance as ``selectors.access_surveillance`` returns it (which
checks who may read it and records the read, and the PDF as a copy taken away); whether a
letter is made at all is ``letter_for``'s to say, for one letter and for a print run alike.
The staff page and its PDF show one text (``surveillance/shared/invitation_body.html``); the
number to call to rearrange is the service's setting (``core.contacts``), never typed into a
template. A print run of many letters (``surveillance.tasks``) lays each out into one
``core.pdf.Bundle``, each letter from a new sheet, with the addressee's name and the page on
every page.
"""

import datetime as dt
from dataclasses import dataclass

from django.http import HttpResponse
from django.template.loader import render_to_string

from coxa.core import clock
from coxa.core.contacts import Contact, service_contacts
from coxa.core.pdf import Bundle, pdf_from_html
from coxa.pathways.domain import EpisodeState
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


def letter_for(shown: HipSurveillance) -> tuple[Invitation | None, str]:
    """The hip's invitation letter, or None and why no letter is made, in words.

    The one rule for every invitation letter: the single letter (its page and its PDF) and
    each letter of a print run (``surveillance.tasks``). The hip is read as it is now, while
    the enrolment and the worklist are brought up to date only by the nightly sweep: a death
    or a revision recorded since is never sent an invitation, nor a letter with no address
    (H92).
    """
    patient = shown.episode.patient
    if patient.date_of_death is not None or shown.episode.state == EpisodeState.DIED:
        return None, "the patient's death is recorded"
    if shown.episode.state == EpisodeState.CONVERTED:
        return None, "the hip was revised or converted, which ends its surveillance"
    letter = invitation_of(shown)
    if letter is None:
        return None, "it is not under surveillance now, or no check is due"
    if not patient.address.strip() or not patient.postcode.strip():
        return None, "no postal address is recorded (add it to the patient's details first)"
    return letter, ""


def invitation_pdf_response(invitation: Invitation) -> HttpResponse:
    """The printable invitation (``selectors.access_surveillance`` records the copy)."""
    html = render_to_string("surveillance/invitation_print.html", {"letter": invitation})
    response = HttpResponse(pdf_from_html(html), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="hip-check-invitation-{invitation.episode.side}-hip.pdf"'
    )
    return response


def invitations_bundle() -> Bundle:
    """An empty print run of invitation letters (A4, a blank page to even each letter out)."""
    return Bundle(blank=render_to_string("surveillance/invitation_blank.html"))


def invitation_html(invitation: Invitation) -> str:
    """One letter of a print run: the printed letter, its addressee named on every page."""
    return render_to_string(
        "surveillance/invitation_print.html", {"letter": invitation, "run": True}
    )

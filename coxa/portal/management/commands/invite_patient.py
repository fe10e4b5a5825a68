"""`coxa invite_patient HOSPITAL_NUMBER --by USERNAME`: a portal invitation given by hand.

For services that do not email patients: the link is printed, once, for the team to give the
patient (a letter, in clinic). ``--email`` emails it as the staff page does, once the
invitation is committed; should the email fail, the command says so and the printed link is
still good to give by hand. Either way a newer invitation revokes the patient's older open
one (ADR 0027). ``--by`` must name an active account that may register patients.
"""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from coxa.accounts.models import User
from coxa.core.audit import Via
from coxa.core.errors import CoxaError
from coxa.core.words import day_month_year
from coxa.patients.models import Patient
from coxa.portal import services


def default_site() -> str:
    """The site's address: the first trusted origin, else https and the first host name."""
    if settings.CSRF_TRUSTED_ORIGINS:
        return str(settings.CSRF_TRUSTED_ORIGINS[0])
    hosts = [h.lstrip(".") for h in settings.ALLOWED_HOSTS if h not in {"*", ""}]
    return f"https://{hosts[0]}" if hosts else ""


class Command(BaseCommand):
    help = "Invite a patient to the portal and print the one-time link (to give by hand)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("hospital_number", help="the patient's hospital number")
        parser.add_argument("--by", required=True, help="the username of who invites them")
        parser.add_argument(
            "--email", action="store_true", help="email the link to the patient as well"
        )
        parser.add_argument(
            "--site",
            default=None,
            help="the address patients reach Coxa at, e.g. https://coxa.example.nhs.uk "
            "(default: the first of COXA_CSRF_TRUSTED_ORIGINS, else of COXA_ALLOWED_HOSTS)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        site = (options["site"] or default_site()).rstrip("/")
        if not site.startswith(("https://", "http://")):
            raise CommandError("give the site's address with --site, e.g. https://coxa.example")
        by = User.objects.filter(username=options["by"]).first()
        if by is None:
            raise CommandError(f"no user {options['by']!r}")
        number = options["hospital_number"].strip().upper()  # stored as patients.services does
        patient = Patient.objects.filter(hospital_number=number).first() if number else None
        if patient is None:
            raise CommandError(f"no patient with the hospital number {number!r}")
        delivery = services.Delivery.EMAIL if options["email"] else services.Delivery.BY_HAND
        try:
            issued = services.invite(
                patient=patient,
                by=by,
                via=Via.CLI,
                url_for=lambda token: site + reverse("portal:accept", kwargs={"token": token}),
                delivery=delivery,
            )
        except CoxaError as error:
            raise CommandError(
                "no invitation: " + "; ".join(p.message for p in error.problems)
            ) from None
        expires = day_month_year(services.expires_on(issued.invitation))
        sent = ""
        if issued.emailed_to and services.send_invitation(issued):
            sent = f" It was emailed to {issued.emailed_to}."
        elif issued.emailed_to:
            self.stderr.write(
                f"The email to {issued.emailed_to} was NOT sent (the mail system failed). "
                "The invitation stands: give the patient the link below by hand, or invite "
                "them again (a new invitation replaces this one)."
            )
        self.stdout.write(
            f"Invitation for {patient.display_name} ({number}), working once, until "
            f"{expires}.{sent} Give it to the patient only; it is not shown again:\n"
        )
        self.stdout.write(issued.url)

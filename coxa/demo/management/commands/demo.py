"""`coxa demo`: load deterministic synthetic demo data and print the demo logins."""

import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from coxa.accounts.domain import Role
from coxa.analytics import extra
from coxa.core import clock
from coxa.demo import enquiries, loading, logins, services
from coxa.demo.domain import plan_patients
from coxa.patients.models import Patient

DEFAULT_PASSWORD = "coxa-demo"  # noqa: S105 - a demo password, refused outside COXA_DEBUG
DEMO_EXTRACT = "synthetic-registry.csv"
DEMO_EXTRACT_HIPS = 20_000


class Command(BaseCommand):
    help = "Load synthetic demo patients and one account per role (only with COXA_DEBUG on)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--patients", type=int, default=240, help="how many demo patients")
        parser.add_argument("--seed", type=int, default=2026, help="seed for the generator")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "coxa demo refuses to run with COXA_DEBUG off: demo accounts have a known "
                "password. Set COXA_DEBUG=true on a development machine."
            )
        if options["patients"] < 1:
            raise CommandError("--patients must be 1 or more")
        password = os.environ.get("COXA_DEMO_PASSWORD") or DEFAULT_PASSWORD
        users, users_created = logins.ensure_users(password)
        if loading.is_loaded():
            existing = Patient.objects.filter(hospital_number__startswith="D").count()
            self.stdout.write(f"Demo data already loaded ({existing} demo patients).")
        else:
            today = clock.today()
            plans = plan_patients(options["patients"], seed=options["seed"], today=today)
            done = loading.load(plans, users, today, seed=options["seed"], say=self.stdout.write)
            if done.before:
                self.stdout.write(
                    f"Finished an interrupted load: {done.before} demo patients were already "
                    f"there; loaded the other {done.patients}, with {done.episodes} episodes."
                )
            else:
                self.stdout.write(
                    f"Loaded {done.patients} demo patients with {done.episodes} episodes."
                )
            self.stdout.write(
                f"Ran the nightly readiness check as of today: {done.moved} hips changed state."
            )
        self._extract(options["seed"])
        linked = services.link_patient_account(users[Role.PATIENT], users[Role.ADMINISTRATOR])
        requests = enquiries.load_requests(users, clock.today())
        if requests:
            self.stdout.write(
                f"Received {requests} demo consultation requests (the triage queue, "
                "/staff/enquiries/)."
            )
        if users_created:
            self.stdout.write(f"Created {users_created} demo accounts.")
        self.stdout.write(f"Demo logins, each with the password {password!r} (COXA_DEMO_PASSWORD):")
        for username, (role, _, _) in logins.DEMO_USERS.items():
            self.stdout.write(f"  {username:<13} {role.label}")
        self.stdout.write(
            "\n".join(logins.second_factor_lines(users))
            or "No demo account needs a second-factor code."
        )
        if linked is not None:
            self.stdout.write(f"  (the patient account sees the records of {linked.display_name})")

    def _extract(self, seed: int) -> None:
        """The synthetic registry extract for the analytics page, unless it is there already.

        Skipped, saying why, without the analytics extra: the rest of the demo needs none.
        """
        sentence = extra.problem()
        if sentence is not None:
            self.stdout.write(f"Skipped the synthetic registry extract. {sentence}")
            return
        from coxa.analytics.extract import table_of, write_extract  # noqa: PLC0415 (extra)
        from coxa.analytics.synthetic import registry  # noqa: PLC0415 (the analytics extra)

        extract = Path(settings.ANALYTICS_EXTRACTS_DIR) / DEMO_EXTRACT
        if _whole(extract):
            return
        extract.parent.mkdir(parents=True, exist_ok=True)
        write_extract(table_of(registry(DEMO_EXTRACT_HIPS, seed=seed)), extract)
        self.stdout.write(
            f"Wrote a synthetic registry extract of {DEMO_EXTRACT_HIPS:,} hips to {extract} "
            "(open it on the analytics page)."
        )


def _whole(extract: Path) -> bool:
    """Whether the demo's extract is there in full (not empty or cut short by a crash)."""
    from coxa.analytics.extract import ExtractError, read_extract  # noqa: PLC0415 (extra)

    try:
        return len(read_extract(extract)) == DEMO_EXTRACT_HIPS
    except (OSError, ExtractError):
        return False

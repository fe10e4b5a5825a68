"""App configuration for patients."""

import re

from django.apps import AppConfig

DATE_SHAPE = re.compile(r"\d{1,4}([/.-])\d{1,2}\1\d{1,4}")  # typed as a date, maybe not one


class PatientsConfig(AppConfig):
    name = "coxa.patients"
    label = "patients"

    def ready(self) -> None:
        # The audit log (accounts, an app below this one) finds and names patients through
        # the patients' own search, registered here so that accounts never imports patients.
        from coxa.accounts.selectors import (  # noqa: PLC0415 - models must be ready first
            PatientDirectory,
            register_patient_directory,
        )
        from coxa.patients import domain, selectors  # noqa: PLC0415
        from coxa.patients.models import Patient  # noqa: PLC0415

        def query_problem(q: str) -> str | None:
            query = domain.parse_search(q)
            if query.nhs_number:
                problem = domain.nhs_number_problem(query.nhs_number)
                return None if problem is None else problem.message
            if query.date_of_birth is None and DATE_SHAPE.fullmatch(q.strip()):
                return "not a date: type a date of birth as 31/05/1970"
            return None

        register_patient_directory(
            PatientDirectory(
                search=selectors.search_patients,
                by_ids=lambda ids: Patient.objects.filter(public_id__in=ids),
                query_problem=query_problem,
            )
        )

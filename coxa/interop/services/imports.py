"""FHIR resources imported into Coxa, all or nothing for each patient.

Patients matched or registered, hips opened, clinic entries recorded, each through the
service that owns it.
A patient is matched by NHS number, then by hospital number, else registered (a possible
duplicate by names and birth date is refused, as at the desk). Each open EpisodeOfCare
opens that hip (or matches its open episode of the same procedure). Measurements, allergies
and medicines are recorded under the patient's most recently referred open hip, as the
clinic records them, checked as any entry is; one already recorded (the same measurement,
day and value; the same substance or medicine) is not recorded twice. If anything of a
patient is refused, nothing of that patient is kept, and every reason is reported.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from coxa.accounts.models import User
from coxa.assessment.domain.entries import Kind
from coxa.assessment.models import Allergy, Medication, Observation
from coxa.assessment.services.entries import record_entries
from coxa.catalogue.loader import get_catalogue
from coxa.core import audit, clock
from coxa.core.errors import CoxaError
from coxa.interop.domain.reading import Read, Skip, patient_reference, read
from coxa.pathways.models import Episode
from coxa.pathways.services import open_episode
from coxa.patients.domain import PatientDetails
from coxa.patients.models import Patient
from coxa.patients.services import register_patient

KINDS = {"observation": Kind.OBSERVATION, "allergy": Kind.ALLERGY, "medication": Kind.MEDICATION}


@dataclass(frozen=True)
class Outcome:
    """What became of one resource: taken (how), skipped or refused, and why."""

    type: str
    id: str
    result: str  # registered | matched | opened | recorded | already-recorded | skipped | refused
    message: str = ""


class _Refused(Exception):
    def __init__(self, outcomes: list[Outcome]) -> None:
        super().__init__("refused")
        self.outcomes = outcomes


def _patient(fields: dict[str, Any], *, by: User, via: audit.Via) -> tuple[Patient, str]:
    for key in ("nhs_number", "hospital_number"):
        number = fields.get(key, "").replace(" ", "")
        found = Patient.objects.filter(**{key: number}).first() if number else None
        if found is not None:
            return found, "matched"
    return register_patient(details=PatientDetails(**fields), by=by, via=via), "registered"


def _episode(
    patient: Patient, fields: dict[str, Any], *, by: User, via: audit.Via
) -> tuple[Episode, str]:
    open_now = (
        Episode.objects.filter(patient=patient, side=fields["side"])
        .exclude(state__in=("completed", "converted", "withdrawn", "died"))
        .first()
    )
    if open_now is not None and open_now.procedure == fields["procedure"]:
        return open_now, "matched"
    made = open_episode(patient=patient, by=by, via=via, **fields)
    return made, "opened"


def _already(patient: Patient, read_: Read) -> bool:
    fields = read_.fields
    if read_.kind == "observation":
        return Observation.objects.filter(
            patient=patient,
            is_current=True,
            code=fields["code"],
            on=fields["observed_on"],
            value_as_recorded=fields["value"],
        ).exists()
    if read_.kind == "allergy":
        return Allergy.objects.filter(
            patient=patient, is_current=True, substance=fields["substance"]
        ).exists()
    return Medication.objects.filter(patient=patient, is_current=True, name=fields["name"]).exists()


def _entries(
    patient: Patient, entries: list[tuple[Mapping[str, Any], Read]], by: User, via: audit.Via
) -> list[Outcome]:
    outcomes, recorded = [], []
    for resource, found in entries:
        if _already(patient, found):
            outcomes.append(
                Outcome(resource["resourceType"], str(resource.get("id")), "already-recorded")
            )
        else:
            recorded.append((resource, found))
    if not recorded:
        return outcomes
    hip = (
        Episode.objects.filter(patient=patient)
        .exclude(state__in=("completed", "converted", "withdrawn", "died"))
        .order_by("-referred_on", "-id")
        .first()
    )
    if hip is None:
        refused = [
            Outcome(
                r["resourceType"],
                str(r.get("id")),
                "refused",
                "the patient has no hip in Coxa's care to record it under",
            )
            for r, _ in recorded
        ]
        raise _Refused(refused)
    try:
        record_entries(
            episode=hip,
            entries=[(KINDS[f.kind], f.fields) for _, f in recorded],
            by=by,
            via=via,
            apply_transitions=False,
        )
    except CoxaError as error:
        raise _Refused(
            [Outcome("Bundle", "", "refused", p.message) for p in error.problems]
        ) from error
    return outcomes + [
        Outcome(r["resourceType"], str(r.get("id")), "recorded") for r, _ in recorded
    ]


@audit.atomic()
def _one_patient(
    resource: Mapping[str, Any],
    fields: dict[str, Any],
    rest: list[tuple[Mapping[str, Any], Read]],
    by: User,
    via: audit.Via,
) -> list[Outcome]:
    try:
        patient, how = _patient(fields, by=by, via=via)
    except CoxaError as error:
        raise _Refused(
            [
                Outcome("Patient", str(resource.get("id")), "refused", p.message)
                for p in error.problems
            ]
        ) from error
    outcomes = [Outcome("Patient", str(resource.get("id")), how)]
    entries = []
    for other, found in rest:
        if found.kind == "episode":
            try:
                _, opened = _episode(patient, found.fields, by=by, via=via)
            except CoxaError as error:
                raise _Refused(
                    [Outcome("EpisodeOfCare", str(other.get("id")), "refused", error.message)]
                ) from error
            outcomes.append(Outcome("EpisodeOfCare", str(other.get("id")), opened))
        else:
            entries.append((other, found))
    return outcomes + _entries(patient, entries, by, via)


def import_resources(
    resources: Iterable[Mapping[str, Any]], *, by: User, via: audit.Via = audit.Via.CLI
) -> list[Outcome]:
    """Import each patient of ``resources`` and what is theirs; what became of every one."""
    today = clock.today()
    procedures = tuple(get_catalogue().procedures)
    system = str(settings.FHIR_HOSPITAL_NUMBER_SYSTEM)
    patients: dict[str, tuple[Mapping[str, Any], Read]] = {}
    theirs: dict[str, list[tuple[Mapping[str, Any], Read]]] = {}
    outcomes: list[Outcome] = []
    for resource in resources:
        found = read(resource, hospital_system=system, procedures=procedures, today=today)
        kind, rid = str(resource.get("resourceType")), str(resource.get("id"))
        if isinstance(found, Skip):
            outcomes.append(Outcome(kind, rid, "skipped", found.reason))
        elif found.kind == "patient":
            patients[rid] = (resource, found)
        else:
            theirs.setdefault(patient_reference(resource) or "", []).append((resource, found))
    for key, items in theirs.items():
        if key not in patients:
            outcomes += [
                Outcome(
                    str(r.get("resourceType")),
                    str(r.get("id")),
                    "skipped",
                    "its patient is not among the resources",
                )
                for r, _ in items
            ]
    for rid, (resource, found) in patients.items():
        try:
            outcomes += _one_patient(resource, found.fields, theirs.get(rid, []), by, via)
        except _Refused as refused:
            outcomes += refused.outcomes
            outcomes += [
                Outcome(
                    str(r.get("resourceType")),
                    str(r.get("id")),
                    "refused",
                    "not kept: another record of this patient was refused",
                )
                for r, _ in theirs.get(rid, [])
            ]
    return outcomes


class TransactionRefused(Exception):
    """A transaction of which something was refused: nothing of it was kept."""

    def __init__(self, outcomes: list[Outcome]) -> None:
        super().__init__("refused")
        self.outcomes = outcomes


@audit.atomic()
def import_transaction(
    resources: Iterable[Mapping[str, Any]], *, by: User, via: audit.Via
) -> list[Outcome]:
    """As ``import_resources``, but all or nothing for the whole of it (a FHIR transaction)."""
    outcomes = import_resources(resources, by=by, via=via)
    if any(o.result == "refused" for o in outcomes):
        raise TransactionRefused(outcomes)
    return outcomes

"""FHIR resources imported into Coxa, all or nothing for each patient.

Patients matched or registered, hips opened, clinic entries recorded, each through the
service that owns it.
A patient is matched by NHS number, then by hospital number (each in the desk's stored form),
but only when the birth date and the other number agree: else the match is refused, as it may
be another person; else registered (a possible duplicate by names and birth date is refused,
as at the desk). Each open EpisodeOfCare opens that hip (or matches its open episode of the
same procedure). Measurements, allergies and medicines are recorded under the patient's most
recently referred open hip, as the clinic records them, checked as any entry is; one already
recorded, or given twice in the same import (the same measurement, day and value in Coxa's
unit; the same substance with the same status; the same medicine, taken or stopped) is not
recorded twice. If anything of a patient is refused, nothing of that patient is kept, and
every reason is reported on the resource it is about (on the patient when no one resource
is named).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from coxa.accounts.models import User
from coxa.assessment.domain.entries import Kind
from coxa.assessment.models import Allergy, Medication, Observation
from coxa.assessment.services.entries import record_entries
from coxa.catalogue.loader import get_catalogue
from coxa.core import audit, clock
from coxa.core.errors import Conflict, CoxaError, ErrorCode, InvalidInput
from coxa.interop.domain.reading import TAKEN, Read, Skip, patient_reference, read
from coxa.interop.domain.validation import problem_of
from coxa.pathways.models import Episode
from coxa.pathways.services import open_episode
from coxa.patients.domain import PatientDetails, normalise_nhs_number
from coxa.patients.models import Patient
from coxa.patients.services import register_patient
from coxa.terminology.units import normalise

NOT_KEPT = "not kept: another record of this patient was refused"
NO_HIP = "the patient has no hip waiting for surgery in Coxa to record it under"
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


NUMBERS = {"nhs_number": "NHS number", "hospital_number": "hospital number"}


def _same_person(found: Patient, fields: dict[str, Any], by_number: str) -> None:
    """Refuse a match by number whose birth date or other number differs: another person?"""
    label = NUMBERS[by_number]
    if fields.get("date_of_birth") is None:
        raise InvalidInput(
            ErrorCode.REQUIRED,
            f"date_of_birth: needed to match Coxa's patient with this {label}",
            "date_of_birth",
        )
    if fields["date_of_birth"] != found.date_of_birth:
        raise Conflict(
            ErrorCode.DUPLICATE_IDENTIFIER,
            f"date_of_birth: Coxa's patient with this {label} has another date of birth; "
            "not matched (check who this is)",
            "date_of_birth",
        )
    for key, words in NUMBERS.items():
        theirs, given = getattr(found, key) or "", fields.get(key) or ""
        if theirs and given and theirs != given:
            raise Conflict(
                ErrorCode.DUPLICATE_IDENTIFIER,
                f"{key}: Coxa's patient with this {label} has another {words}; "
                "not matched (check who this is)",
                key,
            )


def _patient(fields: dict[str, Any], *, by: User, via: audit.Via) -> tuple[Patient, str]:
    fields = fields | {
        "nhs_number": normalise_nhs_number(fields.get("nhs_number", "")),
        "hospital_number": fields.get("hospital_number", "").strip().upper(),
    }
    for key in ("nhs_number", "hospital_number"):
        number = fields[key]
        found = Patient.objects.filter(**{key: number}).first() if number else None
        if found is not None:
            _same_person(found, fields, key)
            return found, "matched"
    return register_patient(details=PatientDetails(**fields), by=by, via=via), "registered"


def _death_unrecorded(patient: Patient, fields: dict[str, Any]) -> str:
    """What to say of a matched patient the file says died and Coxa does not ('' if nothing).

    The death is not recorded from a file: it ends each hip (an end point the team records,
    ADR 0013), so the team is told.
    """
    died = fields.get("date_of_death")
    if died is None or patient.date_of_death == died:
        return ""
    return (
        f"the file says this patient died on {died.isoformat()}; Coxa has "
        + (f"{patient.date_of_death.isoformat()}" if patient.date_of_death else "no death")
        + " recorded: record it on each hip if it is so"
    )


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


def _key(read_: Read) -> tuple[Any, ...]:
    """What makes a record the same as another, whether in Coxa or earlier in the import.

    A measurement's code, day and value in Coxa's unit (as the clinic's checks convert it);
    an allergy's substance and status; a medicine's name and whether it is taken.
    """
    fields = read_.fields
    if read_.kind == "observation":
        value = fields["value"]
        if isinstance(value, int | float) and not isinstance(value, bool):
            converted, problem = normalise(fields["code"], value, fields["unit"])
            # A value the clinic's checks refuse is refused when it is recorded.
            value = converted if problem is None and converted is not None else value
        return ("observation", fields["code"], fields["observed_on"], value)
    if read_.kind == "allergy":
        return ("allergy", fields["substance"], fields["status"])
    return ("medication", fields["name"], fields["active"])


def _already(patient: Patient, read_: Read) -> bool:
    key = _key(read_)
    if key[0] == "observation":
        _, code, day, value = key
        return Observation.objects.filter(
            patient=patient, is_current=True, code=code, on=day, value=value
        ).exists()
    if key[0] == "allergy":
        return Allergy.objects.filter(
            patient=patient, is_current=True, substance=key[1], status=key[2]
        ).exists()
    return Medication.objects.filter(
        patient=patient, is_current=True, name=key[1], active=key[2]
    ).exists()


def _entries(
    patient: Patient, entries: list[tuple[Mapping[str, Any], Read]], by: User, via: audit.Via
) -> list[Outcome]:
    outcomes, recorded, seen = [], [], set()
    for resource, found in entries:
        if _key(found) in seen or _already(patient, found):
            outcomes.append(
                Outcome(resource["resourceType"], str(resource.get("id")), "already-recorded")
            )
        else:
            seen.add(_key(found))
            recorded.append((resource, found))
    if not recorded:
        return outcomes
    hip = (
        Episode.objects.filter(patient=patient)
        .exclude(state__in=("completed", "converted", "withdrawn", "died"))
        .order_by("-referred_on", "-id")
        .first()
    )
    if hip is None:  # the clinic records entries under a hip; the patient is still kept
        return outcomes + [
            Outcome(r["resourceType"], str(r.get("id")), "skipped", NO_HIP) for r, _ in recorded
        ]
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
    outcomes = [
        Outcome("Patient", str(resource.get("id")), how, _death_unrecorded(patient, fields))
    ]
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


@dataclass
class _Sorted:
    """The resources by patient: each patient's own, their records, and what is not FHIR."""

    patients: dict[str, tuple[Mapping[str, Any], Read]] = field(default_factory=dict)
    theirs: dict[str, list[tuple[Mapping[str, Any], Read]]] = field(default_factory=dict)
    invalid: dict[str, str] = field(default_factory=dict)  # a patient's key -> why
    outcomes: list[Outcome] = field(default_factory=list)


def _sort(resources: Iterable[Mapping[str, Any]]) -> _Sorted:
    today = clock.today()
    procedures = tuple(get_catalogue().procedures)
    system = str(settings.FHIR_HOSPITAL_NUMBER_SYSTEM)
    found = _Sorted()
    for resource in resources:
        kind, rid = str(resource.get("resourceType")), str(resource.get("id"))
        problem = problem_of(dict(resource)) if kind in TAKEN else None
        if problem is not None:
            found.outcomes.append(Outcome(kind, rid, "refused", problem))
            found.invalid[rid if kind == "Patient" else patient_reference(resource) or ""] = problem
            continue
        read_ = read(resource, hospital_system=system, procedures=procedures, today=today)
        if isinstance(read_, Skip):
            found.outcomes.append(Outcome(kind, rid, "skipped", read_.reason))
        elif read_.kind == "patient":
            found.patients[rid] = (resource, read_)
        else:
            key = patient_reference(resource) or ""
            found.theirs.setdefault(key, []).append((resource, read_))
    return found


def _orphans(found: _Sorted) -> list[Outcome]:
    """Records whose patient is not among the resources, or was not valid FHIR."""
    outcomes = []
    for key, items in found.theirs.items():
        if key in found.invalid:
            result, why = "refused", NOT_KEPT
        elif key not in found.patients:
            result, why = "skipped", "its patient is not among the resources"
        else:
            continue
        outcomes += [
            Outcome(str(r.get("resourceType")), str(r.get("id")), result, why) for r, _ in items
        ]
    return outcomes


def import_resources(
    resources: Iterable[Mapping[str, Any]], *, by: User, via: audit.Via = audit.Via.CLI
) -> list[Outcome]:
    """Import each patient of ``resources`` and what is theirs; what became of every one.

    A resource Coxa imports that is not valid FHIR R4 is refused, and its patient with it.
    """
    found = _sort(resources)
    outcomes = found.outcomes + _orphans(found)
    for rid, (resource, read_) in found.patients.items():
        if rid in found.invalid:
            outcomes.append(Outcome("Patient", rid, "refused", NOT_KEPT))
            continue
        try:
            outcomes += _one_patient(resource, read_.fields, found.theirs.get(rid, []), by, via)
        except _Refused as refused:
            outcomes += _refusal(rid, refused.outcomes, found.theirs.get(rid, []))
    return outcomes


def _refusal(
    rid: str, said: list[Outcome], theirs: list[tuple[Mapping[str, Any], Read]]
) -> list[Outcome]:
    """A refused patient: each reason on the resource it names, else on the patient's own."""
    named = [o for o in said if o.type != "Bundle"]
    keys = {(o.type, o.id) for o in named}
    if ("Patient", rid) not in keys:
        reasons = "; ".join(dict.fromkeys(o.message for o in said))
        named.append(Outcome("Patient", rid, "refused", f"not kept: {reasons}"))
    return named + [
        Outcome(
            str(r.get("resourceType")),
            str(r.get("id")),
            "refused",
            NOT_KEPT,
        )
        for r, _ in theirs
        if (str(r.get("resourceType")), str(r.get("id"))) not in keys
    ]


class TransactionRefused(Exception):
    """A transaction of which something was refused: nothing of it was kept."""

    def __init__(self, outcomes: list[Outcome]) -> None:
        super().__init__("refused")
        self.outcomes = outcomes


@audit.atomic()
def import_transaction(
    resources: Iterable[Mapping[str, Any]], *, by: User, via: audit.Via
) -> list[Outcome]:
    """As ``import_resources``, but all or nothing for the whole of it (a FHIR transaction).

    A resource Coxa does not take (skipped) refuses the transaction too: FHIR's transaction
    accepts every entry or none (https://hl7.org/fhir/R4/http.html#trules).
    """
    outcomes = import_resources(resources, by=by, via=via)
    if any(o.result in ("refused", "skipped") for o in outcomes):
        raise TransactionRefused(outcomes)
    return outcomes

"""What each FHIR resource type is read from: its rows, its id, its patient, its filters.

Every reader starts from the patients the caller may see, so no search or read can reach
another patient's rows; the records are Coxa's current ones (a corrected entry's earlier
version, a struck-out record and an unsigned note are never resources).
"""

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from coxa.assessment.models import Allergy, Imaging, Medication, Observation
from coxa.interop.domain.capability import COXA_SYSTEM, NHS_NUMBER_SYSTEM
from coxa.interop.domain.search import Period, Token
from coxa.outcomes.models import QuestionnaireResponse
from coxa.pathways.models import Episode
from coxa.patients.models import Patient
from coxa.surgery.models import Implant, OperationNote, RecoveryPlan
from coxa.terminology.codes import System, Use, meaning

# Diagnoses by the codes the Condition resource carries (interop.documents.clinical).
DIAGNOSIS_CODES = {
    (System.SNOMED_CT.value, "239872002"): "osteoarthritis",
    (System.ICD_10.value, "M87"): "avascular-necrosis",
}


def uuids(values: Sequence[str]) -> list[uuid.UUID]:
    """The values that are UUIDs (an id that is not one matches nothing)."""
    found = []
    for value in values:
        try:
            found.append(uuid.UUID(value))
        except ValueError:
            continue
    return found


def dated(field: str, periods: Sequence[Period]) -> Q:
    """The rows whose ``field`` falls in every period asked for."""
    condition = Q()
    for period in periods:
        if period.start is not None:
            condition &= Q(**{f"{field}__gte": period.start})
        if period.end is not None:
            condition &= Q(**{f"{field}__lte": period.end})
    return condition


def _any(conditions: list[Q]) -> Q:
    found = Q(pk__in=[])
    for condition in conditions:
        found |= condition
    return found


@dataclass(frozen=True)
class Reader:
    """How to find one type's rows among the patients a caller may see."""

    rows: Callable[[QuerySet[Patient]], QuerySet[Any]]
    by_ids: Callable[[Sequence[str]], Q]
    patient_field: str  # the lookup from a row to its Patient
    order: tuple[str, ...]
    tokens: Callable[[Sequence[Token]], Q] | None = None
    date_field: str | None = None
    # When a row last changed, for an export's _since (None: Coxa cannot tell; always sent).
    changed_field: str | None = None

    def query(
        self,
        patients: QuerySet[Patient],
        *,
        ids: Sequence[str],
        tokens: Sequence[Token],
        periods: Sequence[Period],
        since: dt.datetime | None = None,
    ) -> QuerySet[Any]:
        rows = self.rows(patients)
        if since is not None and self.changed_field is not None:
            rows = rows.filter(**{f"{self.changed_field}__gt": since})
        if ids:
            rows = rows.filter(self.by_ids(ids))
        if tokens and self.tokens is not None:
            rows = rows.filter(self.tokens(tokens))
        if periods and self.date_field is not None:
            rows = rows.filter(dated(self.date_field, periods))
        return rows.order_by(*self.order)


def _identifiers(tokens: Sequence[Token]) -> Q:
    hospital = str(settings.FHIR_HOSPITAL_NUMBER_SYSTEM)
    found = []
    for token in tokens:
        if token.system in (None, NHS_NUMBER_SYSTEM):
            found.append(Q(nhs_number=token.code))
        if token.system in (None, hospital):
            found.append(Q(hospital_number=token.code))
    return _any(found)


def _observation_codes(tokens: Sequence[Token]) -> Q:
    found = []
    for token in tokens:
        if token.system in (None, System.LOINC.value):
            coded = meaning(System.LOINC, token.code, Use.OBSERVATION)
            if coded:
                found.append(Q(code=coded))
        if token.system in (None, COXA_SYSTEM + "observation"):
            found.append(Q(code=token.code))
    return _any(found)


def _diagnosis_codes(tokens: Sequence[Token]) -> Q:
    found = [
        Q(latest_diagnosis=diagnosis)
        for token in tokens
        for (system, code), diagnosis in DIAGNOSIS_CODES.items()
        if token.code == code and token.system in (None, system)
    ]
    return _any(found)


def _latest_imaging() -> QuerySet[Imaging]:
    return (
        Imaging.objects.filter(episode=OuterRef("pk"), is_current=True)
        .exclude(diagnosis="")
        .order_by("-on", "-recorded_at", "-id")
    )


def _entries(model: Any) -> Callable[[QuerySet[Patient]], QuerySet[Any]]:
    def rows(patients: QuerySet[Patient]) -> QuerySet[Any]:
        found: QuerySet[Any] = model.objects.filter(patient__in=patients, is_current=True)
        return found.select_related("patient")

    return rows


def _by_public_id(ids: Sequence[str]) -> Q:
    return Q(public_id__in=uuids(ids))


def _devices_by_ids(ids: Sequence[str]) -> Q:
    found = []
    for value in ids:
        note, _, position = value.rpartition("-")
        if position.isdecimal() and uuids([note]):
            found.append(Q(note__public_id=uuid.UUID(note), position=int(position)))
    return _any(found)


def _plans_by_ids(ids: Sequence[str]) -> Q:
    return Q(episode__public_id__in=uuids(ids))  # a plan's id is its episode's


READERS: dict[str, Reader] = {
    "Patient": Reader(
        rows=lambda patients: patients,
        by_ids=_by_public_id,
        patient_field="",
        order=("family_key", "given_key", "id"),
        tokens=_identifiers,
    ),
    "EpisodeOfCare": Reader(
        rows=lambda patients: (
            Episode.objects.filter(patient__in=patients)
            .select_related("patient")
            .annotate(has_condition=Exists(_latest_imaging()))
        ),
        by_ids=_by_public_id,
        patient_field="patient",
        order=("-referred_on", "-id"),
        date_field="referred_on",
        changed_field="state_changed_at",
    ),
    "Condition": Reader(
        rows=lambda patients: (
            Episode.objects.filter(patient__in=patients)
            .select_related("patient")
            .annotate(latest_diagnosis=Subquery(_latest_imaging().values("diagnosis")[:1]))
            .filter(latest_diagnosis__isnull=False)
        ),
        by_ids=_by_public_id,
        patient_field="patient",
        order=("-referred_on", "-id"),
        tokens=_diagnosis_codes,
    ),
    "Observation": Reader(
        rows=_entries(Observation),
        by_ids=_by_public_id,
        patient_field="patient",
        order=("-on", "-id"),
        tokens=_observation_codes,
        date_field="on",
        changed_field="recorded_at",
    ),
    "AllergyIntolerance": Reader(
        rows=_entries(Allergy),
        by_ids=_by_public_id,
        patient_field="patient",
        order=("-on", "-id"),
        changed_field="recorded_at",
    ),
    "MedicationStatement": Reader(
        rows=_entries(Medication),
        by_ids=_by_public_id,
        patient_field="patient",
        order=("-on", "-id"),
        changed_field="recorded_at",
    ),
    "QuestionnaireResponse": Reader(
        rows=lambda patients: QuestionnaireResponse.objects.filter(
            episode__patient__in=patients
        ).select_related("episode__patient"),
        by_ids=_by_public_id,
        patient_field="episode__patient",
        order=("-completed_on", "-id"),
        date_field="completed_on",
        changed_field="recorded_at",
    ),
    "Procedure": Reader(
        rows=lambda patients: (
            OperationNote.objects.filter(episode__patient__in=patients, signed_at__isnull=False)
            .select_related("episode__patient", "surgeon")
            .prefetch_related("implants", "addenda__by")
        ),
        by_ids=_by_public_id,
        patient_field="episode__patient",
        order=("-operated_on", "-id"),
        date_field="operated_on",
        # Always sent: an addendum changes the Procedure after signing.
    ),
    "CarePlan": Reader(
        rows=lambda patients: RecoveryPlan.objects.filter(
            episode__patient__in=patients, note__signed_at__isnull=False
        ).select_related("episode__patient", "note"),
        by_ids=_plans_by_ids,
        patient_field="episode__patient",
        order=("-operation_on", "-id"),
        date_field="operation_on",
        # Always sent: the plan is adjusted after signing, and its statuses move with the days.
    ),
    "Device": Reader(
        rows=lambda patients: Implant.objects.filter(
            note__episode__patient__in=patients, note__signed_at__isnull=False
        ).select_related("note__episode__patient"),
        by_ids=_devices_by_ids,
        patient_field="note__episode__patient",
        order=("-note__operated_on", "note_id", "position"),
        changed_field="note__signed_at",
    ),
}


def latest_imaging(episodes: Sequence[Episode]) -> dict[int, Imaging]:
    """Each episode's latest current imaging that names a diagnosis (one query)."""
    found: dict[int, Imaging] = {}
    rows = (
        Imaging.objects.filter(episode__in=list(episodes), is_current=True)
        .exclude(diagnosis="")
        .order_by("episode_id", "-on", "-recorded_at", "-id")
    )
    for row in rows:
        found.setdefault(row.episode_id, row)
    return found


def patient_of(type_: str, row: Any) -> Patient:
    """The patient a row of ``type_`` is about."""
    field = READERS[type_].patient_field
    for part in [p for p in field.split("__") if p]:
        row = getattr(row, part)
    assert isinstance(row, Patient)  # noqa: S101 - the reader's field leads to one
    return row

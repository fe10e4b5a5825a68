"""Journeys for tests: episodes brought to a state honestly, through each step's service.

Outside the ``coxa`` package on purpose: tests of every app use these, and the import
contracts (time flows downward) apply to the package. A hip reaches "ready" only through a
complete pre-assessment, "scheduled" only by a booking, "operated" only by a signed note.
"""

import datetime as dt
from typing import Any

from django.utils import timezone

from coxa.accounts.models import User
from coxa.assessment.domain.entries import Kind
from coxa.assessment.services.entries import record_entries, record_entry
from coxa.catalogue.registry import get_procedure
from coxa.core import clock
from coxa.core.audit import Via
from coxa.pathways import services as pathways
from coxa.patients.models import Patient
from coxa.surgery.domain.consent import ConsentIn
from coxa.surgery.domain.notes import OperationNoteIn
from coxa.surgery.domain.recovery import DischargeIn
from coxa.surgery.services import consent, notes, recovery
from coxa.surgery.services.schedule import schedule


def pre_assessment(episode: Any, day: dt.date) -> list[tuple[str, dict[str, Any]]]:
    """A complete, passing pre-assessment for an episode's procedure, dated ``day``.

    Everything the catalogue requires for the procedure, each value clearly normal; the
    imaging shows a hip suitable for the procedure, with no caution.
    """
    imaging: dict[str, Any] = {"modality": "x-ray", "side": episode.side, "imaged_on": day}
    if episode.procedure == "bhr":
        imaging |= {
            "diagnosis": "osteoarthritis",
            "templated_head_size_mm": 52,
            "acetabular_bone_stock": "adequate",
        }
    elif episode.procedure == "core-decompression":
        imaging |= {
            "modality": "mri",
            "diagnosis": "avascular-necrosis",
            "avn_system": "arco-2019",
            "avn_stage": "II",
            "head_collapse": False,
            "kerboul_angle_deg": 150,
        }
    else:
        imaging |= {"diagnosis": "osteoarthritis"}

    def measure(code: str, value: float, unit: str) -> tuple[str, dict[str, Any]]:
        return "observation", {"code": code, "value": value, "unit": unit, "observed_on": day}

    return [
        measure("bmi", 27.5, "kg/m2"),
        measure("systolic_bp", 132, "mm[Hg]"),
        measure("diastolic_bp", 82, "mm[Hg]"),
        measure("haemoglobin", 145, "g/L"),
        measure("egfr", 90, "mL/min/{1.73_m2}"),
        ("smoking", {"status": "never", "recorded_on": day}),
        (
            "history",
            {
                "diabetes": False,
                "coronary_stent_or_recent_acs": False,
                "metal_sensitivity": False,
                "haemoglobinopathy": "none",
                "heart_valve": "none",
                # asked when the operation uses X-rays (core decompression), of all but men
                **({} if episode.patient.sex == "male" else {"pregnancy": "not-pregnant"}),
                "recorded_on": day,
            },
        ),
        ("review", {"list": "medications", "none_known": True, "reviewed_on": day}),
        ("review", {"list": "allergies", "none_known": True, "reviewed_on": day}),
        ("examination", {"flexion_deg": 90, "gait": "antalgic", "examined_on": day}),
        ("vte", vte_assessment(episode, day)),
        ("imaging", imaging),  # last: tests change the study
    ]


def vte_assessment(episode: Any, day: dt.date, setting: str = "pre-assessment") -> dict[str, Any]:
    """A VTE and bleeding risk assessment: the operation's risk outweighs bleeding risk.

    The regimen is the catalogue's first for the procedure (none for core decompression,
    where the surgeon chooses at the operation).
    """
    procedure = get_procedure(episode.procedure)
    assert procedure is not None
    regimens = procedure.vte_prophylaxis.regimens
    return {
        "setting": setting,
        "risk_factors": ["lower-limb-surgery-over-60-minutes"],
        "bleeding_risks": ["none-of-these"],
        "vte_risk_outweighs_bleeding_risk": True,
        **({"regimen": regimens[0].code} if regimens else {}),
        "assessed_on": day,
    }


def admit(episode: Any, by: User, day: dt.date) -> Any:
    """The VTE reassessment on admission (the operation day or the day before)."""
    return record_entry(
        kind=Kind.VTE,
        episode=episode,
        payload=vte_assessment(episode, day, setting="admission"),
        by=by,
        via=Via.WEB,
    )


def make_ready(episode: Any, by: User, day: dt.date | None = None) -> Any:
    """Record a complete passing pre-assessment: the readiness gate makes the hip ready.

    The episode must be listed (or optimising). Returns the episode, refreshed.
    """
    day = day or clock.today()
    record_entries(
        episode=episode,
        entries=[(Kind(kind), payload) for kind, payload in pre_assessment(episode, day)],
        by=by,
        via=Via.WEB,
    )
    episode.refresh_from_db()
    assert episode.state == "ready", episode.readiness.panel["gate"]
    return episode


def consent_input(episode: Any, *, restricted_size: bool = True, **overrides: Any) -> ConsentIn:
    """A complete consent to the episode's operation, taken now (the clock's now).

    Every risk the catalogue lists for the procedure (with a restricted head size's, where
    the procedure has one, unless ``restricted_size`` is False), the alternatives that must
    be discussed, and the current patient information's version.
    """
    procedure = get_procedure(episode.procedure)
    assert procedure is not None
    values: dict[str, Any] = {
        "procedure": procedure.code,
        "side": episode.side,
        "risks": [r.code for r in procedure.risks if restricted_size or r.discussed == "always"],
        "alternatives": [a.code for a in procedure.alternatives if a.must_discuss],
        "information_version": procedure.patient_information.version,
        "taken_at": clock.now(),
        "note": "Questions about returning to running answered.",
    }
    return ConsentIn.model_validate(values | overrides)


def take_consent(episode: Any, by: User, **overrides: Any) -> Any:
    """A surgeon (``by``) records the patient's complete consent now (``consent_input``)."""
    return consent.record_consent(
        episode=episode, entry=consent_input(episode, **overrides), by=by, via=Via.WEB
    )


def list_episode(patient: Patient, by: User, *, side: str = "left", procedure: str = "bhr") -> Any:
    """Open an episode and move it to listed (the moves a person makes directly)."""
    episode = pathways.open_episode(
        patient=patient, side=side, procedure=procedure, by=by, via=Via.WEB
    )
    for state in ("assessed", "listed"):
        episode = pathways.move_episode(
            episode=episode, to=state, reason="", by=by, via=Via.WEB
        ).episode
    return episode


def at_time(day: dt.date, hour: int = 9) -> Any:
    """Replay the clock at ``hour`` on ``day`` (services record history at its real dates)."""
    return clock.replaying(timezone.make_aware(dt.datetime.combine(day, dt.time(hour))))


def operation_note(procedure: str, side: str, day: dt.date, **overrides: Any) -> Any:
    """A complete, possible operation note for the procedure on ``day``."""
    values: dict[str, Any] = {
        "operated_on": day,
        "started_at": "09:10",
        "ended_at": "10:40",
        "side": side,
        "procedure": procedure,
        "anaesthetic": "spinal",
        "approach": "posterior",
        "vte_prophylaxis": prophylaxis(procedure),
    }
    if procedure == "bhr":
        values["implants"] = [
            {"component": "femoral", "manufacturer": "Smith & Nephew", "size_mm": 50, "lot": "F1"},
            {
                "component": "acetabular",
                "manufacturer": "Smith & Nephew",
                "size_mm": 56,
                "lot": "A1",
            },
        ]
    elif procedure == "core-decompression":
        values |= {
            "approach": "lateral",
            "anaesthetic": "general",
            "drill_passes": 3,
            "graft_used": True,
            "graft_product": "calcium sulphate beads",
        }
    else:
        values["implants"] = [
            {"component": "stem", "manufacturer": "Corin", "size_mm": 12, "lot": "S1"},
            {"component": "head", "manufacturer": "Corin", "size_mm": 36, "lot": "H1"},
            {"component": "shell", "manufacturer": "Corin", "size_mm": 54, "lot": "C1"},
        ]
    return OperationNoteIn.model_validate(values | overrides)


def prophylaxis(procedure: str) -> dict[str, Any]:
    """NG89's first regimen (LMWH then aspirin); core decompression: the surgeon's own."""
    if procedure == "core-decompression":
        return {
            "choice": "custom",
            "agent": "Enoxaparin",
            "dose": "40 mg by injection once a day",
            "duration_days": 14,
        }
    return {
        "choice": "regimen",
        "regimen": "lmwh-then-aspirin",
        "dose": "Enoxaparin 40 mg once a day, then aspirin 150 mg once a day",
    }


JOURNEY = (
    "referred",
    "assessed",
    "listed",
    "ready",
    "scheduled",
    "operated",
    "recovering",
    "follow-up",
    "completed",
)


def walk_to(
    target: str,
    *,
    patient: Patient | None = None,
    episode: Any = None,
    by: User,
    side: str = "left",
    procedure: str = "bhr",
    listed_on: dt.date,
    operated_on: dt.date | None = None,
) -> Any:
    """Bring a new episode (or ``episode``, referred) to ``target`` honestly.

    Every step goes through its own service, as a clinic would take it: the moves a person
    makes, a complete pre-assessment (the gate makes it ready), the patient's consent and a
    booking, a signed note, a discharge. ``by`` must be a surgeon. The operation is three
    weeks after listing unless ``operated_on`` says otherwise (within the pre-assessment's
    validity).
    """
    reach = JOURNEY.index(target)
    operated_on = operated_on or listed_on + dt.timedelta(days=21)
    with at_time(listed_on):
        if episode is None:
            assert patient is not None
            episode = pathways.open_episode(
                patient=patient, side=side, procedure=procedure, by=by, via=Via.WEB
            )
        for state in JOURNEY[1 : min(reach, 2) + 1]:
            episode = pathways.move_episode(
                episode=episode, to=state, reason="", by=by, via=Via.WEB
            ).episode
        if reach >= JOURNEY.index("ready"):
            episode = make_ready(episode, by)
    if reach >= JOURNEY.index("scheduled"):
        with at_time(listed_on + dt.timedelta(days=1)):
            take_consent(episode, by)
            episode = schedule(
                episode=episode,
                operation_on=operated_on,
                surgeon=by,
                theatre_list="Monday AM",
                by=by,
                via=Via.WEB,
            ).episode
    if reach >= JOURNEY.index("operated"):
        with at_time(operated_on, 8):
            admit(episode, by, operated_on)
        with at_time(operated_on, 11):
            draft = notes.write_note(
                episode=episode,
                note=operation_note(episode.procedure, episode.side, operated_on),
                surgeon=by,
                by=by,
                via=Via.WEB,
            )
            ranged = episode.procedure == "core-decompression"
            notes.sign_note(
                episode=episode,
                by=by,
                via=Via.WEB,
                draft=draft.draft_hash,
                offload_days=42 if ranged else None,
            )
        episode.refresh_from_db()
    if reach >= JOURNEY.index("recovering"):
        procedure_found = get_procedure(episode.procedure)
        assert procedure_found is not None
        criteria = {c.code: True for c in procedure_found.discharge.criteria}
        with at_time(operated_on + dt.timedelta(days=1), 12):
            recovery.record_discharge(
                episode=episode,
                entry=DischargeIn.model_validate(
                    {
                        "out_of_bed_at": dt.datetime.combine(
                            operated_on, dt.time(16), tzinfo=dt.UTC
                        ),
                        "discharged_on": operated_on + dt.timedelta(days=1),
                        "destination": "home",
                        "destination_reason": "Pain controlled; family at home.",
                        "criteria": criteria,
                    }
                ),
                by=by,
                via=Via.WEB,
            )
        episode.refresh_from_db()
    for state, days in (("follow-up", 42), ("completed", 365)):
        if reach >= JOURNEY.index(state):
            with at_time(operated_on + dt.timedelta(days=days)):
                episode = pathways.move_episode(
                    episode=episode, to=state, reason="", by=by, via=Via.WEB
                ).episode
    return episode

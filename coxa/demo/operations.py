"""Synthetic consents, operation notes, discharges and physiotherapy reviews for the demo.

Deterministic from a seed. Every note passes Coxa's own checks: resurfacing heads of 50 mm
or more, a cup 6 mm larger, the approach the catalogue gives, drill passes of 1 to 4.
"""

import datetime as dt

from coxa.catalogue.schema import Procedure
from coxa.surgery.domain.consent import ConsentIn
from coxa.surgery.domain.notes import OperationNoteIn
from coxa.surgery.domain.recovery import DischargeIn, PhysioReviewIn

MANUFACTURER = "Smith & Nephew"
GRAFTS = ("calcium sulphate beads", "calcium phosphate paste")


def consent(*, procedure: Procedure, side: str, at: dt.datetime) -> ConsentIn:
    """A complete consent: every risk (the restricted head size too), the choices to discuss."""
    return ConsentIn.model_validate(
        {
            "procedure": procedure.code,
            "side": side,
            "risks": [r.code for r in procedure.risks],
            "alternatives": [a.code for a in procedure.alternatives if a.must_discuss],
            "information_version": procedure.patient_information.version,
            "taken_at": at,
            "note": "Leaflet given; questions answered.",
        }
    )


def note(*, procedure: str, side: str, day: dt.date, seed: int) -> OperationNoteIn:
    start = dt.time(8 + seed % 5, 15 * (seed % 4))
    minutes = {"bhr": 95, "core-decompression": 40}.get(procedure, 110) + seed % 30
    end = (dt.datetime.combine(day, start) + dt.timedelta(minutes=minutes)).time()
    data: dict[str, object] = {
        "operated_on": day,
        "started_at": start,
        "ended_at": end,
        "side": side,
        "procedure": procedure,
        "assistants": ["Dr K. Adeyemi"] if seed % 2 else [],
        "anaesthetic": "spinal" if seed % 3 else "general",
        "findings": "",
    }
    if procedure == "bhr":
        head = 50 + 2 * (seed % 4)
        data |= {
            "approach": "posterior",
            "implants": [
                {
                    "component": "femoral",
                    "manufacturer": MANUFACTURER,
                    "product": "BHR femoral head",
                    "size_mm": head,
                    "lot": f"F{seed:06d}",
                },
                {
                    "component": "acetabular",
                    "manufacturer": MANUFACTURER,
                    "product": "BHR acetabular cup",
                    "size_mm": head + 6,
                    "lot": f"A{seed:06d}",
                    "udi": f"(01)0500000{seed % 10000:05d}",
                },
            ],
            "findings": "Osteoarthritis; good bone stock in the head and socket.",
        }
    elif procedure == "core-decompression":
        grafted = seed % 2 == 0
        data |= {
            "approach": "lateral",
            "anaesthetic": "general",
            "drill_passes": 1 + seed % 4,
            "graft_used": grafted,
            "graft_product": GRAFTS[seed % 2] if grafted else "",
            "findings": "Necrotic segment reached under image intensifier.",
        }
    else:
        data |= {
            "approach": "posterior",
            "implants": [
                {"component": "stem", "manufacturer": "Corin", "size_mm": 12, "lot": f"S{seed}"},
                {"component": "head", "manufacturer": "Corin", "size_mm": 36, "lot": f"H{seed}"},
                {"component": "shell", "manufacturer": "Corin", "size_mm": 54, "lot": f"C{seed}"},
            ],
        }
    data["vte_prophylaxis"] = prophylaxis(procedure, seed)
    return OperationNoteIn.model_validate(data)


def prophylaxis(procedure: str, seed: int) -> dict[str, object]:
    """The prophylaxis prescribed: NG89's first-line regimens, or the surgeon's own.

    Core decompression fits no NG89 category, so its agent, dose and duration are chosen.
    """
    if procedure == "core-decompression":
        return {
            "choice": "custom",
            "agent": "Enoxaparin",
            "dose": "40 mg by injection once a day",
            "duration_days": 14 + 7 * (seed % 2),
        }
    if seed % 2:
        return {"choice": "regimen", "regimen": "lmwh-28-stockings", "dose": "Enoxaparin 40 mg"}
    return {
        "choice": "regimen",
        "regimen": "lmwh-then-aspirin",
        "dose": "Enoxaparin 40 mg, then aspirin 150 mg, once a day",
    }


def discharge(
    *, procedure: str, operated_on: dt.date, ended_at: dt.time, day: dt.date, seed: int
) -> DischargeIn:
    home = seed % 6 != 0
    out_of_bed = dt.datetime.combine(operated_on, ended_at) + dt.timedelta(hours=3 + seed % 4)
    criteria = {
        "bhr": ("pain-controlled", "coping-at-home"),
        "core-decompression": ("out-of-bed",),
    }.get(procedure, ("pain-controlled", "coping-at-home"))
    return DischargeIn.model_validate(
        {
            "out_of_bed_at": out_of_bed.isoformat() + "+00:00",
            "discharged_on": day,
            "destination": "home" if home else "rehabilitation-facility",
            "destination_reason": "Pain controlled and family at home"
            if home
            else "Lives alone with stairs; needs help to cope for a week",
            "criteria": dict.fromkeys(criteria, home),
            "unmet_reason": ""
            if home
            else "Cannot yet manage stairs alone; a week in a rehabilitation unit first.",
        }
    )


def review(
    *, day: dt.date, weight_bearing: str, aid: str, seed: int, move_on: bool
) -> PhysioReviewIn:
    return PhysioReviewIn.model_validate(
        {
            "reviewed_on": day,
            "walking_aid": aid,
            "weight_bearing": weight_bearing,
            "flexion_deg": 70 + seed % 30,
            "abduction_deg": 20 + seed % 15,
            "pain": 1 + seed % 5,
            "exercises_progressed": "Added step-ups and bridging" if move_on else "",
            "progress_to_next_phase": move_on,
        }
    )

"""The surveillance services end to end: enrolment, results, imaging, reviews, the programme."""

import datetime as dt

import pytest

from coxa.core.audit import Via
from coxa.core.errors import InvalidInput
from coxa.surveillance.domain.inputs import MetalIonsIn, ReviewIn
from coxa.surveillance.models import Enrolment
from coxa.surveillance.services import enrolment as enrol
from coxa.surveillance.services import programme, records, reviews
from tests.journeys import at_time, walk_to

pytestmark = pytest.mark.django_db
OPERATED = dt.date(2025, 3, 3)


@pytest.fixture
def hip(surgeon, bert):
    return walk_to(
        "operated",
        patient=bert,
        by=surgeon,
        listed_on=OPERATED - dt.timedelta(days=21),
        operated_on=OPERATED,
    )


def ions(day, co, cr, unit="ug/L", matrix="whole-blood"):
    return MetalIonsIn.model_validate(
        {
            "sampled_on": day,
            "matrix": matrix,
            "laboratory": "Lab",
            "cobalt": {"value": co, "unit": unit},
            "chromium": {"value": cr, "unit": unit},
        }
    )


def test_signing_a_resurfacing_enrols_at_the_sweep_with_the_first_check_a_year_on(hip):
    assert enrol.signed_not_enrolled().filter(episode=hip).exists()
    with at_time(OPERATED + dt.timedelta(days=2)):
        run = programme.refresh_all()
    assert run.enrolled == 1
    e = Enrolment.objects.get(episode=hip)
    assert e.next_due_on == OPERATED + dt.timedelta(days=365)
    assert (e.rule_code, e.rule_checked, e.needs_bloods) == ("conservative-yearly", False, True)
    assert e.head_mm == 50


def test_a_result_above_7_asks_for_a_repeat_and_imaging(hip, surgeon):
    day = OPERATED + dt.timedelta(days=360)
    with at_time(day):
        result = records.record_metal_ions(
            episode=hip, entry=ions(day, 8.1, 2.0), by=surgeon, via=Via.API
        )
    codes = [f["code"] for f in result.flags]
    assert codes == ["above-concern", "repeat-bloods", "imaging-recommended"]
    e = Enrolment.objects.get(episode=hip)
    assert e.repeat_due_on == day + dt.timedelta(days=90)
    assert e.flagged_on == day
    with at_time(day):
        review = reviews.record_review(
            episode=hip,
            entry=ReviewIn.model_validate(
                {
                    "reviewed_on": day,
                    "symptoms": dict.fromkeys(
                        ("pain", "swelling", "clicking", "new-limp", "systemic"), "no"
                    ),
                }
            ),
            by=surgeon,
            via=Via.WEB,
        )
    assert review.recommendation == "image"
    assert {r["action"] for r in review.advice["reasons"]} >= {"image", "repeat-bloods"}
    e.refresh_from_db()
    assert e.next_kind == "imaging"


def test_nmol_converted_and_serum_never_compared(hip, surgeon):
    day = OPERATED + dt.timedelta(days=100)
    with at_time(day):
        r = records.record_metal_ions(
            episode=hip, entry=ions(day, 119, 134.6, unit="nmol/L"), by=surgeon, via=Via.API
        )
        assert r.cobalt_ug_per_l == pytest.approx(7.013, abs=0.001)
        s = records.record_metal_ions(
            episode=hip, entry=ions(day, 30, 30, matrix="serum"), by=surgeon, via=Via.API
        )
    assert [f["code"] for f in s.flags] == ["not-whole-blood"]


def test_bad_results_are_refused_on_their_fields(hip, surgeon):
    day = OPERATED + dt.timedelta(days=100)
    with at_time(day), pytest.raises(InvalidInput) as refused:
        records.record_metal_ions(
            episode=hip, entry=ions(day, -1, 2, unit="mg/L"), by=surgeon, via=Via.API
        )
    fields = {p.field for p in refused.value.problems}
    assert fields == {"cobalt.unit", "chromium.unit"}


def test_revision_ends_surveillance(hip, surgeon):
    with at_time(OPERATED + dt.timedelta(days=2)):
        programme.refresh_all()
    from coxa.outcomes.services.endpoints import record_conversion  # noqa: F401

    e = Enrolment.objects.get(episode=hip)
    assert e.status == "active"


def test_the_worklist_and_the_hip_read(hip, surgeon):
    from coxa.core.pagination import PageRequest
    from coxa.surveillance import selectors, worklist

    assert worklist.pending_enrolment(actor=surgeon) == 1
    day = OPERATED + dt.timedelta(days=340)
    with at_time(day):
        records.record_metal_ions(episode=hip, entry=ions(day, 9.0, 1.0), by=surgeon, via=Via.API)
        listed = worklist.list_surveillance_worklist(
            actor=surgeon, query=worklist.SurveillanceQuery(), page=PageRequest(1, 25), via=Via.WEB
        )
        assert [r.statuses for r in listed.rows] == [("flagged", "due", "repeat")]
        shown = selectors.access_surveillance(actor=surgeon, episode_id=hip.public_id, via=Via.WEB)
    assert shown.enrolment is not None and not shown.chosen.checked and shown.unchecked_words
    assert shown.advice_now is not None and shown.advice_now.recommendation.value == "image"
    assert worklist.pending_enrolment(actor=surgeon) == 0

"""Complication rates and PROM change on the analytics page, from records made through the
services, checked against figures worked by hand."""

import datetime as dt
import math

import pytest

from coxa.analytics.figures import OperatedHip, ScoredHip, complication_rates, prom_rows
from coxa.analytics.selectors import outcome_figures
from coxa.core.audit import Via
from coxa.core.errors import Forbidden
from coxa.core.models import AuditEvent
from coxa.outcomes.services import complications, responses
from tests.journeys import walk_to

pytestmark = pytest.mark.django_db
HOOS = ("pain-stairs", "pain-uneven-ground", "rising-from-sitting", "bending-to-floor",
        "lying-in-bed", "sitting")  # fmt: skip
T_975_1 = 12.706204736  # Student's t, 97.5th centile, 1 degree of freedom (tables)


def hoos(raw: int) -> dict[str, int]:
    """Answers summing to ``raw`` (0 to 24)."""
    answers = dict.fromkeys(HOOS, 0)
    for item in HOOS:
        answers[item] = min(4, raw)
        raw -= answers[item]
    return answers


def complication(episode, by, type_, on, grade, **more):
    return complications.record_complication(
        episode=episode, type=type_, found_on=on, clavien_dindo=grade, outcome="resolved",
        by=by, via=Via.WEB, **more,
    )  # fmt: skip


def response(episode, by, instrument, answers, on):
    responses.record_response(
        episode=episode, instrument=instrument, answers=answers, completed_on=on, by=by,
        via=Via.WEB,
    )  # fmt: skip


@pytest.fixture
def records(surgeon, bert, ada):
    """Two resurfaced hips (Bert's) and one core decompression (Ada's), with their records."""
    left = walk_to("recovering", patient=bert, by=surgeon, listed_on=dt.date(2026, 1, 5))
    right = walk_to(
        "recovering", patient=bert, by=surgeon, side="right", listed_on=dt.date(2026, 2, 2)
    )  # operated 23 Feb 2026
    cd = walk_to(
        "recovering", patient=ada, by=surgeon, listed_on=dt.date(2026, 1, 5),
        procedure="core-decompression",
    )  # fmt: skip
    # Left: a dislocation (IIIb) and a clot (II); a nerve injury struck out as made in error.
    complication(left, surgeon, "dislocation", dt.date(2026, 2, 10), "IIIb")
    complication(left, surgeon, "deep-vein-thrombosis", dt.date(2026, 2, 3), "II")
    wrong = complication(left, surgeon, "nerve-injury", dt.date(2026, 2, 1), "I")
    complications.strike_out(
        episode=left, complication_id=wrong.public_id, reason="Entered on the wrong hip",
        by=surgeon, via=Via.WEB,
    )  # fmt: skip
    complication(right, surgeon, "superficial-infection", dt.date(2026, 3, 1), "I")
    # HOOS JR: left 12 -> 8 -> 4 (52.965 -> 76.776, the latest); right 10 -> 9 (58.930 ->
    # 61.815). Pain: Ada's 8 -> 3. A score after the operation with no baseline: left out.
    response(left, surgeon, "hoos-jr", hoos(12), dt.date(2026, 1, 20))
    response(left, surgeon, "hoos-jr", hoos(8), dt.date(2026, 3, 1))
    response(left, surgeon, "hoos-jr", hoos(4), dt.date(2026, 6, 1))
    response(right, surgeon, "hoos-jr", hoos(10), dt.date(2026, 2, 10))
    response(right, surgeon, "hoos-jr", hoos(9), dt.date(2026, 8, 1))
    response(right, surgeon, "ucla", {"activity": 6}, dt.date(2026, 8, 1))
    response(cd, surgeon, "pain-nrs", {"pain": 8}, dt.date(2026, 1, 10))
    response(cd, surgeon, "pain-nrs", {"pain": 3}, dt.date(2026, 4, 1))
    return left, right, cd


def test_complication_rates_per_procedure(analyst, records):
    figures = outcome_figures(analyst)
    rates = {r.group: r for r in figures.complications}
    bhr, cd = rates["Birmingham Hip Resurfacing"], rates["Core decompression of the femoral head"]
    assert bhr.operated == 2
    assert (bhr.any.events, bhr.any.total) == (2, 2)
    assert (bhr.severe.events, bhr.severe.total) == (1, 2)  # the dislocation, IIIb
    # Clopper-Pearson by hand: 2 of 2: lower = 0.025 ** (1/2); 1 of 2: 1 - 0.975 ** (1/2).
    assert bhr.any.lower == pytest.approx(math.sqrt(0.025))
    assert bhr.any.upper == 1.0
    assert bhr.severe.lower == pytest.approx(1 - math.sqrt(0.975))
    assert bhr.severe.upper == pytest.approx(math.sqrt(0.975))
    by_type = {t.type: (t.hips.events, t.hips.total) for t in bhr.by_type}
    assert by_type == {
        "superficial-infection": (1, 2),
        "dislocation": (1, 2),
        "deep-vein-thrombosis": (1, 2),
    }  # the struck-out nerve injury is not counted
    assert bhr.by_type[0].type == "superficial-infection"  # catalogue order
    assert (cd.operated, cd.any.events, cd.severe.events, cd.by_type) == (1, 0, 0, ())
    assert cd.any.upper == pytest.approx(0.975)  # 0 of 1: upper = 1 - 0.025


def test_prom_change_per_instrument_and_procedure(analyst, records):
    rows = {(p.instrument, p.group): p for p in outcome_figures(analyst).proms}
    assert set(rows) == {
        ("hoos-jr", "Birmingham Hip Resurfacing"),
        ("pain-nrs", "Core decompression of the femoral head"),
    }  # UCLA: no baseline, so no change
    hoos_jr = rows["hoos-jr", "Birmingham Hip Resurfacing"]
    assert hoos_jr.hips == 2
    assert hoos_jr.baseline == pytest.approx((52.965 + 58.930) / 2)
    assert hoos_jr.later == pytest.approx((76.776 + 61.815) / 2)
    changes = (76.776 - 52.965, 61.815 - 58.930)  # 23.811 and 2.885
    assert hoos_jr.change == pytest.approx(sum(changes) / 2)  # 13.348
    half = T_975_1 * abs(changes[0] - changes[1]) / 2  # t * sd / sqrt(2), sd = |d1 - d2| / sqrt(2)
    assert hoos_jr.lower == pytest.approx(13.348 - half, abs=1e-3)
    assert hoos_jr.upper == pytest.approx(13.348 + half, abs=1e-3)
    assert (hoos_jr.reaching_mic.events, hoos_jr.reaching_mic.total) == (1, 2)  # MIC 7.76
    pain = rows["pain-nrs", "Core decompression of the femoral head"]
    assert (pain.hips, pain.baseline, pain.later, pain.change) == (1, 8.0, 3.0, -5.0)
    assert (pain.lower, pain.upper) == (None, None)  # one hip: no spread
    assert (pain.reaching_mic.events, pain.reaching_mic.total) == (1, 1)  # fell by 2 or more


def test_the_page_shows_them_to_analysts_and_records_the_read(web_as, analyst, records):
    page = web_as(analyst).get("/staff/analytics/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Complication rates by procedure" in text
    assert "2 of 2 (100.0%; 95% CI 15.8 to 100.0)" in text
    assert "Dislocation: 1 of 2 (50.0%; 95% CI 1.3 to 98.7)" in text
    assert "Nerve injury" not in text
    assert "+13.3" in text
    assert "Okafor" not in text  # pseudonymised: no names
    assert "Lovelace" not in text
    assert AuditEvent.objects.filter(action="analytics.outcomes", actor=analyst).exists()
    report = web_as(analyst).get("/staff/analytics/report.html")
    assert "Complication rates by procedure" in report.content.decode()


def test_only_those_who_may_see_pseudonymised_figures(ada_user):
    with pytest.raises(Forbidden):
        outcome_figures(ada_user)


def test_the_pure_figures_count_hips_not_entries():
    hips = [
        OperatedHip("A", (("dvt", False), ("dvt", True))),
        OperatedHip("A", ()),
        OperatedHip("B", (("retired-code", False),)),
    ]
    rates = {r.group: r for r in complication_rates(hips, {"dvt": "Clot"})}
    assert (rates["A"].any.events, rates["A"].severe.events, rates["A"].operated) == (1, 1, 2)
    assert [(t.title, t.hips.events) for t in rates["A"].by_type] == [("Clot", 1)]
    assert [t.title for t in rates["B"].by_type] == ["retired-code"]  # still counted
    no_mic = prom_rows([ScoredHip("ucla", "A", 4, 6, None), ScoredHip("ucla", "A", 5, 5, None)])
    assert no_mic[0].reaching_mic is None
    assert no_mic[0].change == 1.0

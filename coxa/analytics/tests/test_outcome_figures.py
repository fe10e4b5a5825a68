"""Complication rates and PROM change on the analytics page, from records made through the
services, checked against figures worked by hand.

Rates are counted within 90 days and 1 year of the operation, over the hips operated at
least that long before the close date; PROM change at the 6-month and 1-year points, each
against the baseline (hazard H61).
"""

import datetime as dt
import math

import pytest
from django.utils import timezone

from coxa.analytics.figures import (
    WINDOWS,
    OperatedHip,
    ScoredHip,
    Window,
    complication_rates,
    prom_rows,
)
from coxa.analytics.selectors import outcome_figures
from coxa.conftest import details
from coxa.core import clock
from coxa.core.audit import Via
from coxa.core.errors import Forbidden
from coxa.core.models import AuditEvent
from coxa.outcomes.services import complications, responses
from coxa.patients import services as patients
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


CLOSE = dt.date(2025, 12, 1)
DAY = dt.timedelta(days=1)


def at(day):
    return clock.replaying(timezone.make_aware(dt.datetime.combine(day, dt.time(17))))


def complication(episode, by, type_, on, grade, **more):
    with at(on):
        return complications.record_complication(
            episode=episode, type=type_, found_on=on, clavien_dindo=grade, outcome="resolved",
            by=by, via=Via.WEB, **more,
        )  # fmt: skip


def response(episode, by, instrument, answers, on):
    with at(on):
        return responses.record_response(
            episode=episode, instrument=instrument, answers=answers, completed_on=on, by=by,
            via=Via.WEB,
        )  # fmt: skip


@pytest.fixture
def records(surgeon, nurse, bert, ada):
    """Two resurfaced hips (Bert's), a core decompression (Ada's) operated on 27 Jan 2025 and
    24 Feb 2025, and a hip replacement (Cyd's) operated four weeks before the close date."""
    left = walk_to("recovering", patient=bert, by=surgeon, listed_on=dt.date(2025, 1, 6))
    right = walk_to(
        "recovering", patient=bert, by=surgeon, side="right", listed_on=dt.date(2025, 2, 3)
    )  # operated 24 Feb 2025
    cd = walk_to(
        "recovering", patient=ada, by=surgeon, listed_on=dt.date(2025, 1, 6),
        procedure="core-decompression",
    )  # fmt: skip
    cyd = patients.register_patient(
        details=details(given_name="Cyd", family_name="Marsh", date_of_birth=dt.date(1968, 2, 2),
                        nhs_number="", hospital_number="H100400"),
        by=nurse, via=Via.WEB,
    )  # fmt: skip
    recent = walk_to(
        "recovering", patient=cyd, by=surgeon, listed_on=dt.date(2025, 10, 13),
        procedure="total-hip-replacement",
    )  # operated 3 Nov 2025, 28 days before the close date  # fmt: skip
    # Left (operated 27 Jan): a dislocation (IIIb, day 14), a clot (II, day 90: the last day
    # of the 90-day window) and a reaction to metal debris (II, day 200: within the year); a
    # nerve injury struck out as made in error.
    complication(left, surgeon, "dislocation", dt.date(2025, 2, 10), "IIIb")
    complication(left, surgeon, "deep-vein-thrombosis", dt.date(2025, 4, 27), "II")
    complication(left, surgeon, "metal-debris-reaction", dt.date(2025, 8, 15), "II")
    wrong = complication(left, surgeon, "nerve-injury", dt.date(2025, 2, 1), "I")
    with at(dt.date(2025, 2, 2)):
        complications.strike_out(
            episode=left, complication_id=wrong.public_id, reason="Entered on the wrong hip",
            by=surgeon, via=Via.WEB,
        )  # fmt: skip
    # Right (operated 24 Feb): a superficial infection on day 91: within the year only.
    complication(right, surgeon, "superficial-infection", dt.date(2025, 5, 26), "I")
    # Cyd's, operated 28 days before the close: in neither window's hips.
    complication(recent, surgeon, "dislocation", dt.date(2025, 11, 5), "IIIa")
    # HOOS JR: left 12 (baseline) -> 8 at six weeks (not reported) -> 4 at six months (52.965
    # -> 76.776) -> 6 at one year (70.426); right 10 -> 9 at six months (58.930 -> 61.815).
    # Pain: Ada's 8 -> 3 at three months (not reported) -> 2 at six months. UCLA at six
    # months with no baseline: left out.
    response(left, surgeon, "hoos-jr", hoos(12), dt.date(2025, 1, 20))
    response(left, surgeon, "hoos-jr", hoos(8), dt.date(2025, 3, 10))
    six = response(left, surgeon, "hoos-jr", hoos(4), dt.date(2025, 7, 28))
    year = response(left, surgeon, "hoos-jr", hoos(6), dt.date(2026, 1, 26))
    assert (six.point, year.point) == ("6-months", "1-year")
    response(right, surgeon, "hoos-jr", hoos(10), dt.date(2025, 2, 10))
    response(right, surgeon, "hoos-jr", hoos(9), dt.date(2025, 8, 25))
    response(right, surgeon, "ucla", {"activity": 6}, dt.date(2025, 8, 25))
    response(cd, surgeon, "pain-nrs", {"pain": 8}, dt.date(2025, 1, 10))
    response(cd, surgeon, "pain-nrs", {"pain": 3}, dt.date(2025, 4, 28))
    response(cd, surgeon, "pain-nrs", {"pain": 2}, dt.date(2025, 7, 28))
    return left, right, cd, recent


def by_window(figures, days):
    return {r.group: r for r in figures.complications if r.window.days == days}


def test_complication_rates_within_90_days_and_a_year(analyst, records):
    figures = outcome_figures(analyst, close_on=CLOSE)
    early, year = by_window(figures, 90), by_window(figures, 365)
    # Cyd's hip replacement was operated 28 days before the close: in neither window.
    assert set(early) == {"Birmingham Hip Resurfacing", "Core decompression of the femoral head"}
    bhr, cd = early["Birmingham Hip Resurfacing"], early["Core decompression of the femoral head"]
    assert bhr.operated == 2
    assert (bhr.any.events, bhr.any.total) == (1, 2)  # the right hip's infection was day 91
    assert (bhr.severe.events, bhr.severe.total) == (1, 2)  # the dislocation, IIIb
    # Clopper-Pearson by hand: 1 of 2: 1 - 0.975 ** (1/2) to 0.975 ** (1/2).
    assert bhr.any.lower == pytest.approx(1 - math.sqrt(0.975))
    assert bhr.any.upper == pytest.approx(math.sqrt(0.975))
    assert {t.type: t.hips.events for t in bhr.by_type} == {
        "dislocation": 1,
        "deep-vein-thrombosis": 1,  # day 90 counts
    }  # the struck-out nerve injury is not counted
    assert (cd.operated, cd.any.events, cd.severe.events, cd.by_type) == (1, 0, 0, ())
    assert cd.any.upper == pytest.approx(0.975)  # 0 of 1: upper = 1 - 0.025
    # No hip has been followed a full year by 1 Dec 2025 (the first, 27 Jan 2025, reaches it
    # on 27 Jan 2026), so the 1-year window counts none yet.
    assert year == {}


def test_a_year_counts_once_every_hip_has_been_followed_a_year(analyst, records):
    close = dt.date(2026, 2, 24)  # the right hip's first anniversary
    year = by_window(outcome_figures(analyst, close_on=close), 365)
    bhr, cd, thr = (year["Birmingham Hip Resurfacing"],
                    year["Core decompression of the femoral head"],
                    year.get("Total hip replacement"))  # fmt: skip
    assert thr is None  # Cyd's: operated 3 Nov 2025
    assert (bhr.operated, bhr.any.events, bhr.severe.events) == (2, 2, 1)
    assert bhr.any.lower == pytest.approx(math.sqrt(0.025))  # 2 of 2
    assert bhr.any.upper == 1.0
    assert {t.type: t.hips.events for t in bhr.by_type} == {
        "superficial-infection": 1,
        "dislocation": 1,
        "deep-vein-thrombosis": 1,
        "metal-debris-reaction": 1,
    }
    assert bhr.by_type[0].type == "superficial-infection"  # catalogue order
    assert cd.operated == 1
    one_day_short = by_window(outcome_figures(analyst, close_on=close - DAY), 365)
    assert one_day_short["Birmingham Hip Resurfacing"].operated == 1  # the right hip: 364 days


def test_prom_change_at_six_months_and_a_year(analyst, records):
    rows = {
        (p.instrument, p.group, p.point): p
        for p in outcome_figures(analyst, close_on=dt.date(2026, 11, 1)).proms
    }
    assert set(rows) == {
        ("hoos-jr", "Birmingham Hip Resurfacing", "6-months"),
        ("hoos-jr", "Birmingham Hip Resurfacing", "1-year"),
        ("pain-nrs", "Core decompression of the femoral head", "6-months"),
    }  # UCLA: no baseline, so no change; six weeks and three months are not reported
    hoos_jr = rows["hoos-jr", "Birmingham Hip Resurfacing", "6-months"]
    assert hoos_jr.hips == 2
    assert hoos_jr.baseline == pytest.approx((52.965 + 58.930) / 2)
    assert hoos_jr.later == pytest.approx((76.776 + 61.815) / 2)
    changes = (76.776 - 52.965, 61.815 - 58.930)  # 23.811 and 2.885
    assert hoos_jr.change == pytest.approx(sum(changes) / 2)  # 13.348
    half = T_975_1 * abs(changes[0] - changes[1]) / 2  # t * sd / sqrt(2), sd = |d1 - d2| / sqrt(2)
    assert hoos_jr.lower == pytest.approx(13.348 - half, abs=1e-3)
    assert hoos_jr.upper == pytest.approx(13.348 + half, abs=1e-3)
    assert (hoos_jr.reaching_mic.events, hoos_jr.reaching_mic.total) == (1, 2)  # MIC 7.76
    a_year = rows["hoos-jr", "Birmingham Hip Resurfacing", "1-year"]
    assert (a_year.hips, a_year.baseline, a_year.later) == (1, 52.965, 70.426)
    assert a_year.change == pytest.approx(70.426 - 52.965)  # against the same baseline
    assert (a_year.lower, a_year.upper) == (None, None)  # one hip: no spread
    pain = rows["pain-nrs", "Core decompression of the femoral head", "6-months"]
    assert (pain.hips, pain.baseline, pain.later, pain.change) == (1, 8.0, 2.0, -6.0)
    assert (pain.reaching_mic.events, pain.reaching_mic.total) == (1, 1)  # fell by 2 or more
    # Closed before the one-year answer: only the six-month rows.
    early = outcome_figures(analyst, close_on=dt.date(2026, 1, 25)).proms
    assert {p.point for p in early} == {"6-months"}


def test_the_page_shows_them_to_analysts_and_records_the_read(web_as, analyst, records):
    with at(CLOSE):
        page = web_as(analyst).get("/staff/analytics/")
        report = web_as(analyst).get("/staff/analytics/report.html")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Complication rates by procedure" in text
    assert "Within 90 days of the operation" in text
    assert "over the hips operated at least 90 days before 1 Dec 2025" in text
    assert "1 of 2 (50.0%; 95% CI 1.3 to 98.7)" in text
    assert "Dislocation: 1 of 2 (50.0%; 95% CI 1.3 to 98.7)" in text
    assert "No hip operated at least 365 days ago yet." in text
    assert "Nerve injury" not in text
    # Cyd's: operated 28 days before (the filter offers the procedure, by its title)
    assert "Total hip replacement" not in text[text.index('data-testid="outcome-figures"') :]
    assert "+13.3" in text
    assert "6 months" in text
    assert "Okafor" not in text  # pseudonymised: no names
    assert "Lovelace" not in text
    assert AuditEvent.objects.filter(action="analytics.outcomes", actor=analyst).exists()
    assert "Within 90 days of the operation" in report.content.decode()


def test_only_those_who_may_see_pseudonymised_figures(ada_user):
    with pytest.raises(Forbidden):
        outcome_figures(ada_user)


def test_the_pure_figures_count_hips_not_entries():
    day0 = dt.date(2024, 1, 1)
    hips = [
        OperatedHip("A", day0, (("dvt", False, day0), ("dvt", True, day0 + DAY))),
        OperatedHip("A", day0, ()),
        OperatedHip("B", day0, (("retired-code", False, day0),)),
    ]
    rates = {
        r.group: r
        for r in complication_rates(hips, {"dvt": "Clot"}, close=dt.date(2025, 1, 1))
        if r.window.days == 90
    }
    assert (rates["A"].any.events, rates["A"].severe.events, rates["A"].operated) == (1, 1, 2)
    assert [(t.title, t.hips.events) for t in rates["A"].by_type] == [("Clot", 1)]
    assert [t.title for t in rates["B"].by_type] == ["retired-code"]  # still counted
    no_mic = prom_rows(
        [ScoredHip("ucla", "A", "1-year", 4, 6, None), ScoredHip("ucla", "A", "1-year", 5, 5, None)]
    )
    assert no_mic[0].reaching_mic is None
    assert no_mic[0].change == 1.0


def test_a_window_counts_hips_followed_that_long_and_entries_found_within_it():
    day0 = dt.date(2024, 1, 1)
    window = Window(90, "Within 90 days")
    hips = [
        OperatedHip("A", day0, (("dvt", False, day0 + 90 * DAY),)),  # day 90: in
        OperatedHip("A", day0, (("dvt", True, day0 + 91 * DAY),)),  # day 91: out
        OperatedHip("A", day0 + DAY, (("dvt", False, day0 + DAY),)),  # 89 days before close
    ]
    close = day0 + 90 * DAY
    (rate,) = complication_rates(hips, {"dvt": "Clot"}, close=close, windows=(window,))
    assert (rate.operated, rate.any.events, rate.severe.events) == (2, 1, 0)
    assert complication_rates(hips, {}, close=close - DAY, windows=(window,)) == ()
    assert [w.days for w in WINDOWS] == [90, 365]


def test_prom_rows_come_in_the_schedule_order_of_points():
    rows = prom_rows(
        [ScoredHip("pain-nrs", "A", p, 8, 3, True) for p in ("1-year", "6-months", "year-2")]
    )
    assert [r.point for r in rows] == ["6-months", "1-year", "year-2"]

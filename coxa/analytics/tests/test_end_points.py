"""The registry extract reproduces the end points recorded through the services, exactly.

Issue 14: a conversion's recorded day is the event (not the day it was entered), or the
linked new hip's operation day once its note is signed; a death is the competing event, a
conversion on the day of death counts as the conversion; a hip with neither is censored at
the close date, at its discharge from follow-up, or at its last contact when it was lost to
follow-up, an event recorded later still counting. A hip opened by converting or revising a
joint replacement is that joint's revision, not a primary (hazard H59).
"""

import datetime as dt

import pytest
from django.utils import timezone

from coxa.analytics.selectors import DAYS_PER_YEAR, outcome_figures, registry_rows
from coxa.analytics.synthetic import COLUMNS
from coxa.conftest import details
from coxa.core import clock
from coxa.core.audit import Via
from coxa.outcomes.services.complications import record_complication
from coxa.outcomes.services.endpoints import record_conversion, record_death
from coxa.outcomes.services.responses import record_response
from coxa.patients import services as patients
from tests.journeys import walk_to

pytestmark = pytest.mark.django_db
CLOSE = dt.date(2024, 1, 1)


def at(day):
    return clock.replaying(timezone.make_aware(dt.datetime.combine(day, dt.time(10))))


def operated(patient, by, *, side, procedure, on):
    return walk_to(
        "follow-up" if on < dt.date(2023, 1, 1) else "operated",
        patient=patient,
        by=by,
        side=side,
        procedure=procedure,
        listed_on=on - dt.timedelta(days=21),
        operated_on=on,
    )


def converted(episode, by, *, on, entered_on, reason="collapse"):
    with at(entered_on):
        return record_conversion(
            episode=episode,
            on=on,
            reason=reason,
            procedure="total-hip-replacement",
            by=by,
            via=Via.WEB,
        )


def answered(episode, by, on):
    with at(on):
        return record_response(
            episode=episode, instrument="pain-nrs", answers={"pain": 3}, completed_on=on, by=by,
            via=Via.WEB,
        )  # fmt: skip


def table_of(rows):
    table = sorted(
        (dict(zip(COLUMNS, values, strict=True)) for values in zip(*rows.values(), strict=True)),
        key=lambda r: (r["procedure"], r["operation_date"]),
    )
    return [(r["procedure"], r["operation_date"], r["outcome"], r["years"]) for r in table]


def died(patient, by, *, on, entered_on):
    with at(entered_on):
        return record_death(patient=patient, on=on, related_to_hip="no", by=by, via=Via.WEB)


def years(start, end):
    return (end - start).days / DAYS_PER_YEAR


@pytest.fixture
def cyd(nurse):
    return patients.register_patient(
        details=details(
            given_name="Cyd",
            family_name="Marsh",
            date_of_birth=dt.date(1968, 2, 2),
            nhs_number="",
            hospital_number="H100400",
        ),
        by=nurse,
        via=Via.WEB,
    )


def test_the_extract_reads_each_end_point_exactly(surgeon, nurse, bert, ada, cyd, analyst):
    # Bert: right core decompression converted on 10 Jan 2022, entered five weeks later;
    # left resurfacing followed until he died on 1 May 2023 (after the conversion).
    bert_cd = operated(bert, surgeon, side="right", procedure="core-decompression",
                       on=dt.date(2021, 1, 4))  # fmt: skip
    bert_bhr = operated(bert, surgeon, side="left", procedure="bhr", on=dt.date(2020, 3, 2))
    converted(bert_cd, surgeon, on=dt.date(2022, 1, 10), entered_on=dt.date(2022, 2, 15))
    died(bert, nurse, on=dt.date(2023, 5, 1), entered_on=dt.date(2023, 5, 20))
    # Ada: left core decompression converted on the day she died; right hip replacement.
    ada_cd = operated(ada, surgeon, side="left", procedure="core-decompression",
                      on=dt.date(2019, 6, 3))  # fmt: skip
    operated(ada, surgeon, side="right", procedure="total-hip-replacement",
             on=dt.date(2020, 9, 7))  # fmt: skip
    converted(ada_cd, surgeon, on=dt.date(2022, 6, 1), entered_on=dt.date(2022, 6, 1))
    died(ada, nurse, on=dt.date(2022, 6, 1), entered_on=dt.date(2022, 6, 3))
    # Cyd: a hip replacement still followed: censored at the close date.
    operated(cyd, surgeon, side="left", procedure="total-hip-replacement", on=dt.date(2021, 5, 3))

    rows, close = registry_rows(analyst, close_on=CLOSE)
    table = sorted(
        (dict(zip(COLUMNS, values, strict=True)) for values in zip(*rows.values(), strict=True)),
        key=lambda r: (r["procedure"], r["operation_date"]),
    )
    got = [(r["procedure"], r["operation_date"], r["outcome"], r["years"]) for r in table]
    assert close == CLOSE
    assert got == [
        ("bhr", dt.date(2020, 3, 2), 2, years(dt.date(2020, 3, 2), dt.date(2023, 5, 1))),
        ("core-decompression", dt.date(2019, 6, 3), 1,
         years(dt.date(2019, 6, 3), dt.date(2022, 6, 1))),  # converted on the day of death
        ("core-decompression", dt.date(2021, 1, 4), 1,
         years(dt.date(2021, 1, 4), dt.date(2022, 1, 10))),  # the day it was done, not entered
        ("total-hip-replacement", dt.date(2020, 9, 7), 2,
         years(dt.date(2020, 9, 7), dt.date(2022, 6, 1))),
        ("total-hip-replacement", dt.date(2021, 5, 3), 0, years(dt.date(2021, 5, 3), CLOSE)),
    ]  # fmt: skip
    assert bert_bhr.__class__.objects.get(pk=bert_bhr.pk).state == "died"


def test_an_end_point_after_the_close_date_is_not_yet_an_event(surgeon, nurse, bert, analyst):
    hip = operated(bert, surgeon, side="right", procedure="core-decompression",
                   on=dt.date(2021, 1, 4))  # fmt: skip
    converted(hip, surgeon, on=dt.date(2022, 1, 10), entered_on=dt.date(2022, 1, 10))
    rows, _ = registry_rows(analyst, close_on=dt.date(2022, 1, 9))
    assert (rows["outcome"], rows["years"]) == (
        [0],
        [years(dt.date(2021, 1, 4), dt.date(2022, 1, 9))],
    )
    rows, _ = registry_rows(analyst, close_on=dt.date(2022, 1, 10))
    assert rows["outcome"] == [1]


def test_a_revision_ends_at_its_operation_and_is_no_new_primary(surgeon, bert, ada, cyd, analyst):
    # Cyd: a hip replacement revised: failure confirmed 1 Mar 2022, revised 4 Apr 2022.
    thr = operated(cyd, surgeon, side="left", procedure="total-hip-replacement",
                   on=dt.date(2020, 3, 2))  # fmt: skip
    revised = converted(thr, surgeon, on=dt.date(2022, 3, 1), entered_on=dt.date(2022, 3, 1),
                        reason="aseptic-loosening").new_episode  # fmt: skip
    walk_to("operated", episode=revised, by=surgeon, listed_on=dt.date(2022, 3, 14),
            operated_on=dt.date(2022, 4, 4))  # fmt: skip
    # Bert: a resurfacing converted on 7 Jun 2021; the replacement not yet operated.
    bhr = operated(bert, surgeon, side="left", procedure="bhr", on=dt.date(2019, 6, 3))
    converted(bhr, surgeon, on=dt.date(2021, 6, 7), entered_on=dt.date(2021, 6, 8),
              reason="adverse-reaction-to-metal-debris")  # fmt: skip
    # Ada: a core decompression converted on 11 Jan 2021; the replacement (no implant
    # before it: a primary) operated on 15 Feb 2021.
    cd = operated(ada, surgeon, side="right", procedure="core-decompression",
                  on=dt.date(2020, 1, 6))  # fmt: skip
    primary = converted(cd, surgeon, on=dt.date(2021, 1, 11),
                        entered_on=dt.date(2021, 1, 11)).new_episode  # fmt: skip
    walk_to("operated", episode=primary, by=surgeon, listed_on=dt.date(2021, 1, 25),
            operated_on=dt.date(2021, 2, 15))  # fmt: skip

    rows, _ = registry_rows(analyst, close_on=CLOSE)
    assert table_of(rows) == [
        ("bhr", dt.date(2019, 6, 3), 1, years(dt.date(2019, 6, 3), dt.date(2021, 6, 7))),
        ("core-decompression", dt.date(2020, 1, 6), 1,
         years(dt.date(2020, 1, 6), dt.date(2021, 2, 15))),  # the replacement's operation day
        ("total-hip-replacement", dt.date(2020, 3, 2), 1,
         years(dt.date(2020, 3, 2), dt.date(2022, 4, 4))),  # revised: its operation day
        ("total-hip-replacement", dt.date(2021, 2, 15), 0,
         years(dt.date(2021, 2, 15), CLOSE)),  # after core decompression: a primary
    ]  # fmt: skip  # Cyd's revision (operated 4 Apr 2022) is no new primary
    # Closed between the failure and the revision's operation: not yet revised.
    rows, _ = registry_rows(analyst, close_on=dt.date(2022, 3, 31))
    assert (dt.date(2020, 3, 2), 0) in zip(rows["operation_date"], rows["outcome"], strict=True)


def test_discharged_and_lost_hips_are_censored_when_follow_up_stopped(
    surgeon, nurse, bert, ada, cyd, analyst
):
    # Ada: left hip replacement discharged from follow-up a year on (7 Jan 2020).
    walk_to("completed", patient=ada, by=surgeon, side="left", procedure="total-hip-replacement",
            listed_on=dt.date(2018, 12, 17), operated_on=dt.date(2019, 1, 7))  # fmt: skip
    # Bert: discharged on 4 Feb 2020, died on 1 May 2022: the death still counts.
    walk_to("completed", patient=bert, by=surgeon, side="left", procedure="total-hip-replacement",
            listed_on=dt.date(2019, 1, 14), operated_on=dt.date(2019, 2, 4))  # fmt: skip
    died(bert, nurse, on=dt.date(2022, 5, 1), entered_on=dt.date(2022, 5, 3))
    # Cyd: core decompression answered at six months (5 Jul 2021), then never again: lost.
    cyd_cd = operated(cyd, surgeon, side="left", procedure="core-decompression",
                      on=dt.date(2021, 1, 4))  # fmt: skip
    answered(cyd_cd, surgeon, dt.date(2021, 7, 5))
    # Ada's right core decompression: last seen at six months (6 Jul 2020), lost, then
    # converted elsewhere on 6 Mar 2023: the conversion counts.
    ada_cd = operated(ada, surgeon, side="right", procedure="core-decompression",
                      on=dt.date(2020, 1, 6))  # fmt: skip
    answered(ada_cd, surgeon, dt.date(2020, 7, 6))
    converted(ada_cd, surgeon, on=dt.date(2023, 3, 6), entered_on=dt.date(2023, 3, 20))

    rows, _ = registry_rows(analyst, close_on=CLOSE)
    assert table_of(rows) == [
        ("core-decompression", dt.date(2020, 1, 6), 1,
         years(dt.date(2020, 1, 6), dt.date(2023, 3, 6))),  # lost, then converted
        ("core-decompression", dt.date(2021, 1, 4), 0,
         years(dt.date(2021, 1, 4), dt.date(2021, 7, 5))),  # lost: its last contact
        ("total-hip-replacement", dt.date(2019, 1, 7), 0,
         years(dt.date(2019, 1, 7), dt.date(2020, 1, 7))),  # discharged
        ("total-hip-replacement", dt.date(2019, 2, 4), 2,
         years(dt.date(2019, 2, 4), dt.date(2022, 5, 1))),  # discharged, then died
    ]  # fmt: skip
    # Before the discharge, and before Cyd's hip was lost: followed to the close date.
    early = dt.date(2019, 12, 31)
    rows, _ = registry_rows(analyst, close_on=early)
    assert table_of(rows) == [
        ("total-hip-replacement", dt.date(2019, 1, 7), 0, years(dt.date(2019, 1, 7), early)),
        ("total-hip-replacement", dt.date(2019, 2, 4), 0, years(dt.date(2019, 2, 4), early)),
    ]
    not_yet_lost = dt.date(2022, 6, 30)  # under 548 days after the last contact
    rows, _ = registry_rows(analyst, close_on=not_yet_lost)
    assert (dt.date(2021, 1, 4), 0, years(dt.date(2021, 1, 4), not_yet_lost)) in zip(
        rows["operation_date"], rows["outcome"], rows["years"], strict=True
    )


def test_complications_of_a_revision_are_counted_apart_from_primaries(surgeon, ada, cyd, analyst):
    thr = operated(cyd, surgeon, side="left", procedure="total-hip-replacement",
                   on=dt.date(2020, 3, 2))  # fmt: skip
    revised = converted(thr, surgeon, on=dt.date(2022, 3, 1), entered_on=dt.date(2022, 3, 1),
                        reason="aseptic-loosening").new_episode  # fmt: skip
    walk_to("operated", episode=revised, by=surgeon, listed_on=dt.date(2022, 3, 14),
            operated_on=dt.date(2022, 4, 4))  # fmt: skip
    cd = operated(ada, surgeon, side="right", procedure="core-decompression",
                  on=dt.date(2020, 1, 6))  # fmt: skip
    primary = converted(cd, surgeon, on=dt.date(2021, 1, 11),
                        entered_on=dt.date(2021, 1, 11)).new_episode  # fmt: skip
    walk_to("operated", episode=primary, by=surgeon, listed_on=dt.date(2021, 1, 25),
            operated_on=dt.date(2021, 2, 15))  # fmt: skip
    with at(dt.date(2022, 4, 20)):
        record_complication(
            episode=revised, type="dislocation", found_on=dt.date(2022, 4, 20),
            clavien_dindo="IIIb", outcome="resolved", by=surgeon, via=Via.WEB,
        )  # fmt: skip
    early = {
        r.group: (r.operated, r.any.events)
        for r in outcome_figures(analyst, close_on=CLOSE).complications
        if r.window.days == 90
    }
    assert early == {
        "Core decompression of the femoral head": (1, 0),
        "Total hip replacement": (2, 0),  # Cyd's primary and Ada's, after core decompression
        "Total hip replacement, revising a joint replacement": (1, 1),
    }

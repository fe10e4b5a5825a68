"""The registry extract reproduces the end points recorded through the services, exactly.

Issue 14: a conversion's recorded day is the event (not the day it was entered), a death is
the competing event, a conversion on the day of death counts as the conversion, and a hip
with neither is censored at the close date (hazard H59).
"""

import datetime as dt

import pytest
from django.utils import timezone

from coxa.analytics.selectors import DAYS_PER_YEAR, registry_rows
from coxa.analytics.synthetic import COLUMNS
from coxa.conftest import details
from coxa.core import clock
from coxa.core.audit import Via
from coxa.outcomes.services.endpoints import record_conversion, record_death
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


def converted(episode, by, *, on, entered_on):
    with at(entered_on):
        return record_conversion(
            episode=episode,
            on=on,
            reason="collapse",
            procedure="total-hip-replacement",
            by=by,
            via=Via.WEB,
        )


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

"""Nothing is recorded on a hip after it ended (H60, H63): a questionnaire, complication or
review dated after the hip's conversion day, or after the patient's death, is refused on its
date field and nothing is stored; one dated on or before the end is a late entry, allowed."""

import datetime as dt

import pytest

from coxa.core import clock
from coxa.core.audit import Via
from coxa.core.errors import ErrorCode
from coxa.outcomes.domain.endpoints import Ends, after_end
from coxa.outcomes.models import Complication, FollowUpReview, QuestionnaireResponse
from coxa.outcomes.services.endpoints import record_conversion, record_death
from coxa.patients.models import Patient
from tests.journeys import walk_to


def today() -> dt.date:
    """Read at each use, never at import: a run that crosses midnight keeps its dates."""
    return clock.today()


def operated() -> dt.date:
    return today() - dt.timedelta(days=200)


ITEMS = ("pain-stairs", "pain-uneven-ground", "rising-from-sitting", "bending-to-floor",
         "lying-in-bed", "sitting")  # fmt: skip


def day(n):
    return today() + dt.timedelta(days=n)


# ------------------------------------------------------------------ the pure rule
CONVERTED, DIED = dt.date(2026, 3, 1), dt.date(2026, 6, 1)


@pytest.mark.parametrize(
    ("on", "ends", "expected"),
    [
        (CONVERTED, Ends(converted_on=CONVERTED), None),  # the day itself: a late entry
        (CONVERTED - dt.timedelta(days=1), Ends(converted_on=CONVERTED), None),
        (CONVERTED + dt.timedelta(days=1), Ends(converted_on=CONVERTED), "after-conversion"),
        (DIED, Ends(died_on=DIED), None),
        (DIED + dt.timedelta(days=1), Ends(died_on=DIED), "after-death"),
        (DIED + dt.timedelta(days=1), Ends(), None),
        # after both: the earlier end is named
        (DIED + dt.timedelta(days=1), Ends(CONVERTED, DIED), "after-conversion"),
        (DIED + dt.timedelta(days=1), Ends(DIED, CONVERTED), "after-death"),
        (DIED, Ends(CONVERTED, DIED), "after-conversion"),
    ],
)
def test_the_rule_refuses_only_a_day_after_an_end(on, ends, expected):
    found = after_end(on, "seen_on", ends)
    assert (found.code.value if found else None) == expected
    if found is not None:
        assert found.field == "seen_on"
        assert found.message.startswith("the day is after")  # in words, not the field name


def test_the_rule_names_the_end_in_words():
    found = after_end(dt.date(2026, 3, 2), "completed_on", Ends(converted_on=CONVERTED))
    assert found is not None
    assert found.code is ErrorCode.AFTER_CONVERSION
    assert "1 Mar 2026" in found.message
    assert "new episode" in found.message


# ------------------------------------------------------------------ through the services
@pytest.fixture
def cd_hip(bert, surgeon):
    """A core decompression in follow-up, operated 200 days ago."""
    return walk_to(
        "follow-up",
        patient=bert,
        by=surgeon,
        side="right",
        procedure="core-decompression",
        listed_on=operated() - dt.timedelta(days=21),
        operated_on=operated(),
    )


@pytest.fixture
def converted(cd_hip, surgeon):
    """The hip converted ten days ago; returns the (index, new) episodes."""
    done = record_conversion(
        episode=cd_hip,
        on=day(-10),
        reason="collapse",
        procedure="total-hip-replacement",
        by=surgeon,
        via=Via.WEB,
    )
    return done.closed_episode, done.new_episode


@pytest.fixture
def died(cd_hip, bert, nurse):
    record_death(patient=bert, on=day(-10), related_to_hip="no", by=nurse, via=Via.WEB)
    cd_hip.refresh_from_db()
    return cd_hip


def answer(client, episode, on):
    return client.post(
        f"/api/v1/episodes/{episode.public_id}/questionnaires/pain-nrs/responses",
        {"answers": {"pain": 3}, "completed_on": on.isoformat()},
        content_type="application/json",
    )


def complication(client, episode, on):
    return client.post(
        f"/api/v1/episodes/{episode.public_id}/complications",
        {
            "type": "other",
            "description": "Wound ooze",
            "found_on": on.isoformat(),
            "clavien_dindo": "I",
            "treatment": "Dressing",
            "outcome": "resolved",
        },
        content_type="application/json",
    )


def review(client, episode, on):
    return client.post(
        f"/api/v1/episodes/{episode.public_id}/follow-up-reviews",
        {"seen_on": on.isoformat(), "pain": 2},
        content_type="application/json",
    )


RECORDS = [
    (answer, "completed_on", QuestionnaireResponse),
    (complication, "found_on", Complication),
    (review, "seen_on", FollowUpReview),
]


def refused_on(response, field, code):
    assert response.status_code == 400, response.content
    body = response.json()
    assert [(p["field"], p["code"]) for p in body.get("errors", [body])] == [(field, code)]


@pytest.mark.django_db
@pytest.mark.parametrize(("post", "field", "model"), RECORDS)
def test_a_record_dated_after_the_conversion_is_refused_on_the_index_hip(
    api_as, surgeon, converted, post, field, model
):
    index, _ = converted
    before = model.objects.count()
    refused_on(post(api_as(surgeon), index, day(-9)), field, "after-conversion")
    assert model.objects.count() == before  # nothing stored
    # On the conversion day itself, and before it: a late entry, allowed.
    for on in (day(-10), day(-11)):
        done = post(api_as(surgeon), index, on)
        assert done.status_code == 201, done.content


@pytest.mark.django_db
@pytest.mark.parametrize(("post", "field", "model"), RECORDS)
def test_a_record_dated_after_the_death_is_refused(api_as, nurse, died, post, field, model):
    before = model.objects.count()
    refused_on(post(api_as(nurse), died, day(-9)), field, "after-death")
    assert model.objects.count() == before
    done = post(api_as(nurse), died, day(-10))  # the day of death: a late entry
    assert done.status_code == 201, done.content


@pytest.mark.django_db
def test_a_date_of_death_set_on_the_patient_alone_also_stops_records(api_as, nurse, cd_hip):
    Patient.objects.filter(pk=cd_hip.patient_id).update(date_of_death=day(-5))
    refused_on(answer(api_as(nurse), cd_hip, day(-4)), "completed_on", "after-death")
    assert answer(api_as(nurse), cd_hip, day(-5)).status_code == 201


@pytest.mark.django_db
def test_the_new_episode_takes_what_follows_the_conversion(api_as, surgeon, converted):
    index, new = converted
    assert answer(api_as(surgeon), new, day(-9)).status_code == 201
    assert not QuestionnaireResponse.objects.filter(episode=index).exists()


@pytest.mark.django_db
def test_the_patient_cannot_answer_for_their_hip_after_its_conversion(
    api_as, ada, ada_user, surgeon
):
    hip = walk_to(
        "follow-up",
        patient=ada,
        by=surgeon,
        procedure="core-decompression",
        listed_on=operated() - dt.timedelta(days=21),
        operated_on=operated(),
    )
    record_conversion(
        episode=hip,
        on=day(-10),
        reason="collapse",
        procedure="total-hip-replacement",
        by=surgeon,
        via=Via.WEB,
    )
    refused_on(answer(api_as(ada_user), hip, today()), "completed_on", "after-conversion")
    assert not QuestionnaireResponse.objects.exists()

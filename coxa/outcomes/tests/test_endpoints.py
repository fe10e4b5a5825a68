"""Conversion, revision and death through the services and the API (issue 14, ADR 0013).

Each ends the index episode through its own step, in one transaction, audited; each refusal
names its field and keeps nothing.
"""

import datetime as dt
from dataclasses import replace

import pytest

from coxa.core import clock
from coxa.core.audit import Via
from coxa.core.errors import Conflict, Forbidden, InvalidInput
from coxa.core.models import AuditEvent
from coxa.outcomes.models import Conversion, Death
from coxa.outcomes.services.endpoints import record_conversion, record_death
from coxa.pathways import services as pathways
from coxa.pathways.models import Episode
from coxa.patients import services as patient_services
from coxa.patients.models import Patient
from tests.journeys import list_episode, walk_to

pytestmark = pytest.mark.django_db


def today() -> dt.date:
    """Read at each use, never at import: a run that crosses midnight keeps its dates."""
    return clock.today()


def operated() -> dt.date:
    return today() - dt.timedelta(days=200)


def day(n):
    return today() + dt.timedelta(days=n)


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


def convert(episode, by, **overrides):
    given = {
        "on": day(-10),
        "reason": "collapse",
        "procedure": "total-hip-replacement",
        "note": "",
    } | overrides
    return record_conversion(episode=episode, by=by, via=Via.WEB, **given)


def test_a_conversion_closes_the_index_and_opens_the_linked_hip(cd_hip, surgeon):
    done = convert(cd_hip, surgeon, note="MRI: crescent sign")
    closed, new = done.closed_episode, done.new_episode
    assert closed.state == "converted"
    assert (new.side, new.procedure, new.state, new.referred_on) == (
        "right",
        "total-hip-replacement",
        "referred",
        day(-10),
    )
    assert new.converted_from == closed
    stored = Conversion.objects.get()
    assert (stored.episode, stored.new_episode, stored.on, stored.reason) == (
        closed,
        new,
        day(-10),
        "collapse",
    )
    assert stored.catalogue_version
    assert stored.recorded_by == surgeon
    transition = closed.transitions.last()
    assert (transition.to_state, transition.by) == ("converted", surgeon)
    assert "Collapse of the femoral head: MRI: crescent sign" in transition.reason
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"episode.conversion", "episode.transition", "episode.create"} <= actions


def test_a_hip_replacement_is_revised_as_a_hip_replacement(bert, surgeon, nurse):
    thr = walk_to(
        "recovering",
        patient=bert,
        by=surgeon,
        procedure="total-hip-replacement",
        listed_on=day(-60),
        operated_on=day(-30),
    )
    with pytest.raises(InvalidInput) as wrong:
        convert(thr, nurse, procedure="bhr", reason="infection")
    assert (wrong.value.code, wrong.value.field) == ("conversion-procedure", "procedure")
    done = convert(thr, nurse, procedure="total-hip-replacement", reason="infection")
    assert done.new_episode.procedure == "total-hip-replacement"


def test_every_refusal_names_its_field_and_keeps_nothing(cd_hip, surgeon):
    cases = [
        ({"on": day(1)}, "date-in-future", "on"),
        ({"on": operated() - dt.timedelta(days=1)}, "before-operation", "on"),
        ({"reason": "bad-luck"}, "unknown-reason", "reason"),
        # An implant's reason cannot end a core decompression.
        ({"reason": "aseptic-loosening"}, "unknown-reason", "reason"),
        ({"reason": "adverse-reaction-to-metal-debris"}, "unknown-reason", "reason"),
        ({"reason": "other"}, "reason-required", "note"),
        ({"procedure": "bhr"}, "conversion-procedure", "procedure"),
        ({"procedure": "knee"}, "conversion-procedure", "procedure"),
    ]
    for overrides, code, field in cases:
        with pytest.raises(InvalidInput) as error:
            convert(cd_hip, surgeon, **overrides)
        assert (error.value.code, error.value.field) == (code, field), overrides
    assert not Conversion.objects.exists()
    assert Episode.objects.get(pk=cd_hip.pk).state == "follow-up"
    assert Episode.objects.count() == 1


def test_a_conversion_on_the_day_of_the_operation_is_an_early_failure(cd_hip, surgeon):
    assert convert(cd_hip, surgeon, on=operated()).conversion.on == operated()


def test_no_conversion_before_the_operation_nor_twice(bert, surgeon, cd_hip):
    listed = list_episode(bert, surgeon)
    with pytest.raises(Conflict) as early:
        convert(listed, surgeon, procedure="total-hip-replacement")
    assert (early.value.code, early.value.field) == ("not-operated", "episode")
    convert(cd_hip, surgeon)
    with pytest.raises(Conflict) as twice:
        convert(cd_hip, surgeon)
    assert twice.value.code == "episode-ended"
    assert Conversion.objects.count() == 1


def test_a_discharged_hip_may_still_be_converted(cd_hip, surgeon):
    pathways.move_episode(episode=cd_hip, to="completed", reason="", by=surgeon, via=Via.WEB)
    assert convert(cd_hip, surgeon).closed_episode.state == "converted"


@pytest.mark.parametrize("role", ["anaesthetist", "physio", "admin", "analyst", "ada_user"])
def test_only_surgeons_and_nurses_record_end_points(request, cd_hip, role):
    user = request.getfixturevalue(role)
    with pytest.raises(Forbidden):
        convert(cd_hip, user)
    with pytest.raises(Forbidden):
        record_death(patient=cd_hip.patient, on=day(-1), related_to_hip="no", by=user, via=Via.WEB)
    assert not Conversion.objects.exists()
    assert not Death.objects.exists()


def test_a_death_closes_every_open_episode_and_stops_new_ones(bert, surgeon, nurse, cd_hip):
    left = list_episode(bert, surgeon, side="left")
    died = record_death(patient=bert, on=day(-3), related_to_hip="unknown", by=nurse, via=Via.WEB)
    assert {e.pk for e in died.closed_episodes} == {left.pk, cd_hip.pk}
    assert set(Episode.objects.values_list("state", flat=True)) == {"died"}
    assert Patient.objects.get(pk=bert.pk).date_of_death == day(-3)
    assert (died.death.on, died.death.related_to_hip) == (day(-3), "unknown")
    reason = Episode.objects.get(pk=left.pk).transitions.last().reason
    assert reason == f"Died {day(-3):%-d %b %Y} (not known whether related to the hip)"
    with pytest.raises(InvalidInput) as reopened:
        pathways.open_episode(patient=bert, side="left", procedure="bhr", by=surgeon, via=Via.WEB)
    assert reopened.value.code == "patient-deceased"
    with pytest.raises(Conflict) as again:
        record_death(patient=bert, on=day(-3), related_to_hip="no", by=surgeon, via=Via.WEB)
    assert (again.value.code, again.value.field) == ("death-recorded", "patient")
    assert Death.objects.count() == 1
    assert AuditEvent.objects.filter(action="patient.death").count() == 1


def test_a_death_leaves_closed_episodes_as_they_ended(bert, surgeon, cd_hip):
    convert(cd_hip, surgeon, on=day(-10))
    died = record_death(patient=bert, on=day(-10), related_to_hip="no", by=surgeon, via=Via.WEB)
    # The converted index stays converted; the new replacement episode (open) dies.
    assert [e.procedure for e in died.closed_episodes] == ["total-hip-replacement"]
    assert Episode.objects.get(pk=cd_hip.pk).state == "converted"


def test_death_refusals_name_their_field_and_keep_nothing(bert, surgeon, cd_hip):
    cases = [
        (day(1), "no", "date-in-future", "on"),
        (bert.date_of_birth - dt.timedelta(days=1), "no", "before-birth", "on"),
        (operated() - dt.timedelta(days=1), "no", "death-before-event", "on"),
        (None, "no", "required", "on"),
        (day(-1), "", "required", "related_to_hip"),
        (day(-1), "probably", "invalid-value", "related_to_hip"),
    ]
    for on, related, code, field in cases:
        with pytest.raises(InvalidInput) as error:
            record_death(patient=bert, on=on, related_to_hip=related, by=surgeon, via=Via.WEB)
        assert (error.value.code, error.value.field) == (code, field), (on, related)
    assert not Death.objects.exists()
    assert Patient.objects.get(pk=bert.pk).date_of_death is None
    assert Episode.objects.get(pk=cd_hip.pk).state == "follow-up"


def test_a_death_before_a_recorded_conversion_is_refused(bert, surgeon, cd_hip):
    convert(cd_hip, surgeon, on=day(-10))
    with pytest.raises(InvalidInput) as error:
        record_death(patient=bert, on=day(-11), related_to_hip="no", by=surgeon, via=Via.WEB)
    assert error.value.code == "death-before-event"


def test_a_conversion_found_after_the_death_of_a_discharged_hip(bert, surgeon, cd_hip):
    pathways.move_episode(episode=cd_hip, to="completed", reason="", by=surgeon, via=Via.WEB)
    record_death(patient=bert, on=day(-5), related_to_hip="no", by=surgeon, via=Via.WEB)
    with pytest.raises(InvalidInput) as after:
        convert(cd_hip, surgeon, on=day(-4))
    assert (after.value.code, after.value.field) == ("patient-deceased", "on")
    done = convert(cd_hip, surgeon, on=day(-5))  # on the day of death: recorded, then ended
    assert Episode.objects.get(pk=done.new_episode.pk).state == "died"


# ------------------------------------------------------------------- the API


def post(client, path, body):
    return client.post(path, body, content_type="application/json")


def test_conversion_through_the_api(api_as, surgeon, cd_hip):
    client = api_as(surgeon)
    path = f"/api/v1/episodes/{cd_hip.public_id}/conversion"
    bad = post(client, path, {"on": day(1).isoformat(), "reason": "collapse",
                              "procedure": "total-hip-replacement"})  # fmt: skip
    assert (bad.status_code, bad.json()["field"]) == (400, "on")
    unknown = post(client, path, {"on": day(-1).isoformat(), "reason": "collapse",
                                  "procedure": "total-hip-replacement", "why": "x"})  # fmt: skip
    assert unknown.status_code == 400
    done = post(client, path, {"on": day(-1).isoformat(), "reason": "collapse",
                               "procedure": "total-hip-replacement"})  # fmt: skip
    assert done.status_code == 201
    body = done.json()
    assert body["closed_episode"] == str(cd_hip.public_id)
    new = Episode.objects.get(public_id=body["new_episode"])
    assert new.converted_from_id == cd_hip.pk
    again = post(client, path, {"on": day(-1).isoformat(), "reason": "collapse",
                                "procedure": "total-hip-replacement"})  # fmt: skip
    assert (again.status_code, again.json()["code"]) == (409, "episode-ended")


def test_death_through_the_api(api_as, nurse, physio, bert, cd_hip):
    path = f"/api/v1/patients/{bert.public_id}/death"
    assert post(api_as(physio), path, {"on": day(-1).isoformat(), "related_to_hip": "no"}
                ).status_code == 403  # fmt: skip
    client = api_as(nurse)
    missing = post(client, path, {"on": day(-1).isoformat()})
    assert (missing.status_code, missing.json()["field"]) == (400, "related_to_hip")
    done = post(client, path, {"on": day(-1).isoformat(), "related_to_hip": "yes"})
    assert done.status_code == 201
    assert done.json()["closed_episodes"] == [str(cd_hip.public_id)]
    assert done.json()["related_to_hip"] == "yes"
    again = post(client, path, {"on": day(-1).isoformat(), "related_to_hip": "yes"})
    assert (again.status_code, again.json()["code"]) == (409, "death-recorded")


def test_a_patient_cannot_record_their_own_death_or_conversion(api_as, ada_user, ada):
    client = api_as(ada_user)
    refused = post(client, f"/api/v1/patients/{ada.public_id}/death",
                   {"on": day(-1).isoformat(), "related_to_hip": "no"})  # fmt: skip
    assert refused.status_code == 403
    assert not Death.objects.exists()


def test_after_a_death_nothing_books_or_reopens_the_patient(bert, surgeon, nurse):
    """H60: the death closes the hips, so no booking, date or new episode can follow; and a
    date of death typed on the patient's details (which would leave episodes open) is refused."""
    listed = list_episode(bert, surgeon)
    with pytest.raises(Conflict) as typed:
        patient_services.update_patient(
            patient=bert,
            details=replace(bert.to_details(), date_of_death=day(-1)),
            by=nurse,
            via=Via.WEB,
        )
    assert (typed.value.code, typed.value.field) == ("own-step", "date_of_death")
    assert Patient.objects.get(pk=bert.pk).date_of_death is None
    record_death(patient=bert, on=day(-1), related_to_hip="no", by=nurse, via=Via.WEB)
    with pytest.raises(Conflict) as dated:
        pathways.set_operation_date(
            episode=Episode.objects.get(pk=listed.pk), operation_on=day(30), by=nurse, via=Via.WEB
        )
    assert dated.value.code == "operation-date-closed"
    with pytest.raises(Conflict):
        pathways.move_episode(
            episode=listed, to="ready", reason="", by=surgeon, via=Via.WEB
        )  # a closed hip goes nowhere
    # It reads plainly where staff see it.
    assert Episode.objects.get(pk=listed.pk).state_label == "Died"

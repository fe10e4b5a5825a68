import datetime as dt

import pytest

from coxa.core import clock
from coxa.core.audit import Via
from coxa.core.errors import Conflict, Forbidden, InvalidInput
from coxa.core.models import AuditEvent
from coxa.pathways import services
from coxa.pathways.domain import Step
from coxa.pathways.models import Episode, EpisodeTransition
from coxa.patients.models import Patient
from tests.journeys import walk_to

pytestmark = pytest.mark.django_db


def open_(patient, by, side="left", procedure="bhr", **extra):
    return services.open_episode(
        patient=patient, side=side, procedure=procedure, by=by, via=Via.WEB, **extra
    )


def walk(episode, by, *states):
    for state in states:
        episode = services.move_episode(
            episode=episode, to=state, reason="", by=by, via=Via.WEB
        ).episode
    return episode


def test_both_hips_are_two_episodes(nurse, bert):
    left = open_(bert, nurse, "left", "bhr")
    right = open_(bert, nurse, "right", "core-decompression")
    assert {(e.side, e.procedure, e.state) for e in (left, right)} == {
        ("left", "bhr", "referred"),
        ("right", "core-decompression", "referred"),
    }
    assert left.catalogue_version
    assert len(left.catalogue_hash) == 64


def test_opening_records_the_first_state_and_an_audit_entry(nurse, bert):
    episode = open_(bert, nurse)
    (first,) = EpisodeTransition.objects.filter(episode=episode)
    assert (first.from_state, first.to_state, first.by) == ("", "referred", nurse)
    assert AuditEvent.objects.filter(action="episode.create", patient_id=bert.public_id).exists()


def test_a_hip_holds_one_open_episode(nurse, bert):
    open_(bert, nurse, "left")
    with pytest.raises(Conflict) as error:
        open_(bert, nurse, "left", "core-decompression")
    assert (error.value.code, error.value.field) == ("open-episode-exists", "side")
    assert Episode.objects.count() == 1


def test_a_closed_episode_frees_its_hip(nurse, surgeon, bert):
    episode = open_(bert, nurse, "left")
    services.move_episode(
        episode=episode, to="withdrawn", reason="Declined", by=surgeon, via=Via.WEB
    )
    assert open_(bert, nurse, "left", "core-decompression").state == "referred"


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"side": "middle"}, "side", "unknown-side"),
        ({"procedure": "knee"}, "procedure", "unknown-procedure"),
        ({"referred_on": dt.date(2999, 1, 1)}, "referred_on", "date-in-future"),
        ({"referred_on": dt.date(1960, 1, 1)}, "referred_on", "before-birth"),
    ],
)
def test_bad_episodes_are_refused_by_field(nurse, bert, fields, field, code):
    with pytest.raises(InvalidInput) as error:
        open_(bert, nurse, **fields)
    assert (error.value.field, error.value.code) == (field, code)
    assert not Episode.objects.exists()


def test_no_episode_for_a_patient_who_has_died(nurse, bert):
    Patient.objects.filter(pk=bert.pk).update(date_of_death=dt.date(2025, 1, 1))
    bert.refresh_from_db()
    with pytest.raises(InvalidInput) as error:
        open_(bert, nurse)
    assert error.value.code == "patient-deceased"


def test_roles_that_may_not_open_episodes(bert, physio, analyst, ada_user):
    for user in (physio, analyst, ada_user):
        with pytest.raises(Forbidden):
            open_(bert, user)


def test_moves_are_stored_with_who_when_and_why(nurse, surgeon, bert):
    with clock.replaying(dt.datetime(2026, 2, 1, 9, 0, tzinfo=dt.UTC)):
        episode = open_(bert, nurse)
    moment = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)
    with clock.replaying(moment):
        services.move_episode(
            episode=episode, to="assessed", reason="Seen in clinic", by=surgeon, via=Via.API
        )
    last = EpisodeTransition.objects.filter(episode=episode).last()
    assert (last.from_state, last.to_state, last.by, last.at, last.reason) == (
        "referred",
        "assessed",
        surgeon,
        moment,
        "Seen in clinic",
    )
    event = AuditEvent.objects.get(action="episode.transition")
    assert event.reason == "Seen in clinic"
    assert event.details == {"from": "referred", "to": "assessed", "backward": False}


def test_an_illegal_move_changes_nothing(nurse, surgeon, bert):
    episode = open_(bert, nurse)
    with pytest.raises(Conflict):
        services.move_episode(episode=episode, to="operated", reason="", by=surgeon, via=Via.WEB)
    assert Episode.objects.get(pk=episode.pk).state == "referred"
    assert EpisodeTransition.objects.filter(episode=episode).count() == 1
    assert not AuditEvent.objects.filter(action="episode.transition").exists()


def test_going_back_is_marked_and_needs_a_reason(nurse, surgeon, bert):
    episode = walk_to(
        "scheduled", patient=bert, by=surgeon, listed_on=clock.today() - dt.timedelta(days=2)
    )
    with pytest.raises(InvalidInput):
        services.move_episode(episode=episode, to="ready", reason="", by=nurse, via=Via.WEB)
    moved = services.move_episode(
        episode=episode, to="ready", reason="Theatre list cancelled", by=nurse, via=Via.WEB
    )
    assert moved.episode.state == "ready"
    assert EpisodeTransition.objects.filter(episode=episode).last().is_backward


def test_conversion_opens_a_linked_replacement_on_the_same_hip(nurse, surgeon, bert):
    episode = walk_to(
        "follow-up",
        patient=bert,
        by=surgeon,
        side="right",
        procedure="core-decompression",
        listed_on=clock.today() - dt.timedelta(days=200),
    )
    moved = services.move_episode(
        episode=episode,
        to="converted",
        reason="Head collapsed",
        by=surgeon,
        via=Via.WEB,
        step=Step.CONVERSION,
    )
    replacement = moved.replacement
    assert moved.episode.state == "converted"
    assert (replacement.side, replacement.procedure, replacement.state) == (
        "right",
        "total-hip-replacement",
        "referred",
    )
    assert replacement.converted_from == moved.episode
    assert moved.episode.converted_to == replacement


def test_a_hip_replacement_cannot_be_converted(nurse, surgeon, bert):
    episode = walk_to(
        "recovering",
        patient=bert,
        by=surgeon,
        procedure="total-hip-replacement",
        listed_on=clock.today() - dt.timedelta(days=60),
    )
    with pytest.raises(Conflict) as error:
        services.move_episode(episode=episode, to="converted", reason="x", by=surgeon, via=Via.WEB)
    assert error.value.code == "not-convertible"


def test_roles_that_may_not_move_episodes(nurse, bert, admin, analyst, ada_user):
    episode = open_(bert, nurse)
    for user in (admin, analyst, ada_user):
        with pytest.raises(Forbidden):
            services.move_episode(episode=episode, to="assessed", reason="", by=user, via=Via.WEB)


@pytest.mark.parametrize(
    ("start", "target", "step"),
    [
        ("listed", "ready", "readiness"),
        ("listed", "optimising", "readiness"),
        ("ready", "scheduled", "booking"),
        ("scheduled", "operated", "signing"),
        ("operated", "recovering", "discharge"),
    ],
)
def test_no_one_makes_a_steps_move_by_asking_for_it(surgeon, nurse, bert, start, target, step):
    # Issue 10: a physiotherapist moved a hip listed -> ready -> scheduled -> operated ->
    # recovering with no pre-assessment, booking or signed note.
    episode = walk_to(
        start,
        patient=bert,
        by=surgeon,
        listed_on=clock.today() - dt.timedelta(days=25),
        operated_on=clock.today() - dt.timedelta(days=4),
    )
    for user in (nurse, surgeon):
        with pytest.raises(Conflict) as refused:
            services.move_episode(
                episode=episode, to=target, reason="because", by=user, via=Via.WEB
            )
        assert (refused.value.code, refused.value.field) == ("own-step", "to")
    assert Episode.objects.get(pk=episode.pk).state == start
    assert not AuditEvent.objects.filter(action="episode.transition", details__to=target).exists()


def test_only_the_readiness_step_moves_without_a_person(surgeon, bert):
    from coxa.pathways.domain import Step

    episode = walk_to("ready", patient=bert, by=surgeon, listed_on=clock.today())
    with pytest.raises(InvalidInput):
        services.move_episode(episode=episode, to="listed", reason="x", by=None, via=Via.CLI)
    with pytest.raises(InvalidInput):
        services.move_episode(
            episode=episode, to="scheduled", reason="x", by=None, via=Via.CLI, step=Step.BOOKING
        )
    moved = services.move_episode(
        episode=episode,
        to="listed",
        reason="No longer ready: bloods expired",
        by=None,
        via=Via.CLI,
        step=Step.READINESS,
    )
    assert moved.episode.state == "listed"
    assert AuditEvent.objects.filter(action="episode.transition", actor_username="coxa").exists()


def test_a_physiotherapist_ends_rehabilitation_and_makes_no_other_move(surgeon, physio, bert):
    # Issue 11: physiotherapists held the general move capability.
    episode = walk_to(
        "recovering",
        patient=bert,
        by=surgeon,
        listed_on=clock.today() - dt.timedelta(days=25),
        operated_on=clock.today() - dt.timedelta(days=4),
    )
    with pytest.raises(Conflict):  # the conversion record's move (a physiotherapist's neither)
        services.move_episode(
            episode=episode,
            to="converted",
            reason="Pain and a pseudotumour",
            by=physio,
            via=Via.WEB,
        )
    moved = services.move_episode(
        episode=episode, to="follow-up", reason="", by=physio, via=Via.WEB
    ).episode
    assert moved.state == "follow-up"


def test_a_resurfaced_hip_cannot_be_discharged_but_a_core_decompression_can(surgeon, bert):
    """The catalogue's surveillance block decides, through the one move service."""
    listed_on = clock.today() - dt.timedelta(days=400)
    bhr = walk_to("follow-up", patient=bert, by=surgeon, listed_on=listed_on)
    with pytest.raises(InvalidInput) as refused:
        services.move_episode(
            episode=bhr, to="completed", reason="Doing well", by=surgeon, via=Via.WEB
        )
    assert refused.value.code.value == "followed-for-life"
    assert Episode.objects.get(pk=bhr.pk).state == "follow-up"
    cd = walk_to(
        "follow-up",
        patient=bert,
        by=surgeon,
        side="right",
        procedure="core-decompression",
        listed_on=listed_on,
    )
    moved = services.move_episode(
        episode=cd, to="completed", reason="Doing well", by=surgeon, via=Via.WEB
    )
    assert moved.episode.state == "completed"

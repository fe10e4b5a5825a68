"""The complications register through the API and the service: recorded against the
operation it follows, refused (naming the field, storing nothing) when wrong, by role."""

import datetime as dt

import pytest

from coxa.core import clock
from coxa.core.audit import Via
from coxa.core.errors import Conflict, InvalidInput, NotFound
from coxa.core.models import AuditEvent
from coxa.outcomes.models import Complication
from coxa.outcomes.services import complications
from coxa.pathways.selectors import timeline_of
from tests.journeys import list_episode, walk_to

pytestmark = pytest.mark.django_db
LISTED_ON = dt.date(2026, 1, 5)
OPERATED_ON = dt.date(2026, 1, 26)  # walk_to: three weeks after listing


def body(**overrides):
    return {
        "type": "dislocation",
        "found_on": "2026-02-10",
        "clavien_dindo": "IIIa",
        "treatment": "Closed reduction under sedation",
        "outcome": "resolved",
    } | overrides


def post(client, episode, payload):
    return client.post(
        f"/api/v1/episodes/{episode.public_id}/complications",
        payload,
        content_type="application/json",
    )


@pytest.fixture
def hip(bert, surgeon):
    return walk_to("recovering", patient=bert, by=surgeon, listed_on=LISTED_ON)


def test_a_complication_is_stored_listed_and_named_on_the_timeline(api_as, surgeon, hip):
    client = api_as(surgeon)
    done = post(client, hip, body(disability=True))
    assert done.status_code == 201, done.content
    stored = done.json()
    assert (stored["type"], stored["type_title"], stored["clavien_dindo"]) == (
        "dislocation",
        "Dislocation",
        "IIIa",
    )
    assert stored["disability"] is True
    assert stored["grade_definition"].startswith("needed an operation")
    assert (stored["outcome"], stored["outcome_title"]) == ("resolved", "Resolved")
    assert stored["struck_out"] is False
    listed = client.get(f"/api/v1/episodes/{hip.public_id}/complications").json()
    assert [c["id"] for c in listed] == [stored["id"]]
    summaries = [e.summary for e in timeline_of(hip.patient)]
    assert (
        "Complication of the left hip recorded: Dislocation, Clavien-Dindo grade IIIad, "
        "found 10 Feb 2026" in summaries
    )


def test_the_operation_day_itself_counts(api_as, anaesthetist, hip):
    on_the_day = body(type="anaesthetic-complication", found_on=OPERATED_ON.isoformat(),
                      clavien_dindo="I", treatment="")  # fmt: skip
    assert post(api_as(anaesthetist), hip, on_the_day).status_code == 201


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"found_on": "2026-01-25"}, "found_on", "before-operation"),  # the day before
        ({"found_on": "2099-01-01"}, "found_on", "date-in-future"),
        ({"type": "heart-attack"}, "type", "unknown-complication"),
        ({"type": "failure-to-prevent-collapse"}, "type", "complication-not-for-procedure"),
        ({"type": "other"}, "description", "required"),
        ({"clavien_dindo": "VI"}, "clavien_dindo", "unknown-grade"),
        ({"clavien_dindo": "3a"}, "clavien_dindo", "unknown-grade"),
        ({"clavien_dindo": ""}, "clavien_dindo", "unknown-grade"),
        ({"clavien_dindo": "V", "outcome": "died"}, "clavien_dindo", "death-not-recorded"),
        ({"outcome": "died"}, "clavien_dindo", "invalid-value"),
        ({"outcome": "better"}, "outcome", "invalid-value"),
        ({"treatment": "x" * 4001}, "treatment", "invalid-value"),
    ],
)
def test_wrong_complications_are_refused_on_their_field_and_nothing_is_stored(
    api_as, surgeon, hip, overrides, field, code
):
    refused = post(api_as(surgeon), hip, body(**overrides))
    assert refused.status_code == 400, refused.content
    problems = refused.json().get("errors") or [refused.json()]
    assert (field, code) in [(p["field"], p["code"]) for p in problems]
    assert not Complication.objects.exists()


def test_a_hip_not_yet_operated_has_no_complications_of_its_operation(api_as, surgeon, bert):
    listed = list_episode(bert, surgeon)
    refused = post(api_as(surgeon), listed, body(found_on=clock.today().isoformat()))
    assert (refused.status_code, refused.json()["code"]) == (409, "not-operated")
    assert not Complication.objects.exists()


def test_grade_v_only_once_the_death_is_recorded_and_never_after_it(api_as, surgeon, hip):
    patient = hip.patient
    patient.date_of_death = dt.date(2026, 3, 1)
    patient.save(update_fields=["date_of_death"])
    client = api_as(surgeon)
    after = post(client, hip, body(found_on="2026-03-02"))
    assert (after.status_code, after.json()["field"], after.json()["code"]) == (
        400,
        "found_on",
        "after-death",
    )
    not_died = post(client, hip, body(type="pulmonary-embolism", clavien_dindo="V"))
    assert (not_died.status_code, not_died.json()["field"]) == (400, "outcome")
    with_d = post(client, hip, body(clavien_dindo="V", outcome="died", disability=True))
    assert (with_d.status_code, with_d.json()["field"]) == (400, "disability")
    died = post(
        client,
        hip,
        body(type="pulmonary-embolism", found_on="2026-03-01", clavien_dindo="V", outcome="died"),
    )
    assert died.status_code == 201, died.content


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("surgeon", 201),
        ("nurse", 201),
        ("anaesthetist", 201),
        ("physio", 403),
        ("admin", 403),
        ("analyst", 403),
        ("ada_user", 403),
    ],
)
def test_who_may_record(request, api_as, hip, role, status):
    user = request.getfixturevalue(role)
    assert post(api_as(user), hip, body()).status_code == status
    assert Complication.objects.count() == (1 if status == 201 else 0)


def test_a_patient_reads_their_own_register_and_never_anothers(api_as, surgeon, ada, ada_user, hip):
    own = walk_to(
        "recovering", patient=ada, by=surgeon, listed_on=LISTED_ON, procedure="core-decompression"
    )
    staff = api_as(surgeon)
    collapse = body(type="failure-to-prevent-collapse", found_on="2026-06-01", clavien_dindo="IIIb",
                    treatment="Total hip replacement", outcome="resolved")  # fmt: skip
    assert post(staff, own, collapse).status_code == 201
    assert post(staff, hip, body()).status_code == 201
    client = api_as(ada_user)
    mine = client.get(f"/api/v1/episodes/{own.public_id}/complications")
    assert [c["type"] for c in mine.json()] == ["failure-to-prevent-collapse"]
    assert client.get(f"/api/v1/episodes/{hip.public_id}/complications").status_code == 404
    # An entry struck out as another patient's is never shown to this one, nor its reason.
    wrong = post(staff, own, body(type="superficial-infection", found_on="2026-06-02")).json()
    complications.strike_out(
        episode=own, complication_id=wrong["id"], reason="Wrong patient: SMITH, Jane",
        by=surgeon, via=Via.WEB,
    )  # fmt: skip
    mine = client.get(f"/api/v1/episodes/{own.public_id}/complications").json()
    assert [c["type"] for c in mine] == ["failure-to-prevent-collapse"]
    assert "SMITH" not in str(mine)
    assert len(staff.get(f"/api/v1/episodes/{own.public_id}/complications").json()) == 2


def test_neck_fracture_follows_resurfacing_and_core_decompression_but_not_replacement(
    surgeon, bert, ada
):
    kinds = complications.kinds()
    assert kinds["femoral-neck-fracture"].procedures == ("bhr", "core-decompression")
    assert kinds["metal-debris-reaction"].procedures == ("bhr",)
    assert kinds["failure-to-prevent-collapse"].procedures == ("core-decompression",)
    assert kinds["deep-vein-thrombosis"].procedures == ()


def test_an_entry_made_in_error_is_struck_out_never_deleted(surgeon, nurse, hip):
    entry = complications.record_complication(
        episode=hip, type="nerve-injury", found_on=dt.date(2026, 2, 1), clavien_dindo="I",
        outcome="recovering", by=nurse, via=Via.API,
    )  # fmt: skip
    with pytest.raises(InvalidInput) as short:
        complications.strike_out(
            episode=hip, complication_id=entry.public_id, reason="no", by=surgeon, via=Via.WEB
        )
    assert short.value.field == "reason"
    struck = complications.strike_out(
        episode=hip,
        complication_id=entry.public_id,
        reason="Recorded against the wrong patient",
        by=surgeon,
        via=Via.WEB,
    )
    assert struck.struck_out_by == surgeon
    assert Complication.objects.filter(pk=entry.pk).exists()
    with pytest.raises(Conflict):
        complications.strike_out(
            episode=hip,
            complication_id=entry.public_id,
            reason="Recorded against the wrong patient",
            by=surgeon,
            via=Via.WEB,
        )
    assert AuditEvent.objects.filter(action="complication.strike-out").count() == 1


def test_a_complication_of_another_hip_cannot_be_struck_out_here(surgeon, hip, bert):
    other = walk_to("recovering", patient=bert, by=surgeon, listed_on=LISTED_ON, side="right")
    entry = complications.record_complication(
        episode=other, type="nerve-injury", found_on=dt.date(2026, 2, 1), clavien_dindo="I",
        outcome="recovering", by=surgeon, via=Via.API,
    )  # fmt: skip
    with pytest.raises(NotFound):
        complications.strike_out(
            episode=hip,
            complication_id=entry.public_id,
            reason="Recorded against the wrong hip",
            by=surgeon,
            via=Via.WEB,
        )

"""The surveillance API: results stored, converted and flagged; refusals naming their field;
one hip's surveillance read; enrolment, imaging, reviews, strike-outs, the worklist and a
recall; and who may do each (issue 15)."""

import datetime as dt
import uuid

import pytest

from coxa.core.audit import Via
from coxa.core.models import AuditEvent
from coxa.surgery.models import Implant
from coxa.surveillance.domain.inputs import EnrolIn
from coxa.surveillance.models import Enrolment, MetalIonResult, RecallContact
from coxa.surveillance.services import enrolment, programme
from tests.journeys import walk_to

pytestmark = pytest.mark.django_db
LISTED_ON = dt.date(2026, 1, 5)
OPERATED_ON = dt.date(2026, 1, 26)
SAMPLED_ON = "2026-06-01"
RECALL = "/api/v1/surveillance/recall"


def ions(**overrides):
    return {
        "sampled_on": SAMPLED_ON,
        "matrix": "whole-blood",
        "cobalt": {"value": 8.1, "unit": "ug/L"},
        "chromium": {"value": 2.0, "unit": "ug/L"},
        "laboratory": "Royal Infirmary trace metals",
    } | overrides


def post(client, url, payload=None, **headers):
    return client.post(url, payload or {}, content_type="application/json", headers=headers)


def metal_ions(client, hip, payload):
    return post(client, f"/api/v1/episodes/{hip.public_id}/metal-ions", payload)


@pytest.fixture
def hip(bert, surgeon):
    return walk_to(
        "operated", patient=bert, by=surgeon, procedure="bhr", listed_on=LISTED_ON,
        operated_on=OPERATED_ON,
    )  # fmt: skip


@pytest.fixture
def ada_hip(ada, surgeon):
    """A resurfacing Ada had elsewhere in 2008 (BHR is no longer implanted in women)."""
    entry = EnrolIn.model_validate(
        {"side": "right", "implant": "resurfacing", "head_mm": 44, "operated_on": "2008-03-01"}
    )
    return enrolment.enrol_by_hand(patient=ada, entry=entry, by=surgeon, via=Via.WEB).episode


def test_a_result_is_stored_as_reported_and_in_ug_per_l_with_its_flags(api_as, nurse, hip):
    done = metal_ions(api_as(nurse), hip, ions())
    assert done.status_code == 201, done.content
    stored = done.json()
    assert (stored["sampled_on"], stored["matrix"]) == (SAMPLED_ON, "whole-blood")
    assert stored["laboratory"] == "Royal Infirmary trace metals"
    assert stored["cobalt"] == {"value": 8.1, "unit": "ug/L", "ug_per_l": 8.1}
    assert stored["chromium"] == {"value": 2.0, "unit": "ug/L", "ug_per_l": 2.0}
    codes = [f["code"] for f in stored["flags"]]
    assert codes == ["above-concern", "repeat-bloods", "imaging-recommended"]
    above = stored["flags"][0]
    assert above["metal"] == "cobalt"
    assert above["rule_id"]
    assert above["rule_version"]
    assert above["sources"]
    assert stored["flags"][1]["due_on"] == "2026-08-30"  # 90 days on
    assert MetalIonResult.objects.get().public_id == uuid.UUID(stored["id"])


def test_nmol_per_l_is_converted_with_the_atomic_masses(api_as, surgeon, hip):
    payload = ions(
        cobalt={"value": 119, "unit": "nmol/L"}, chromium={"value": 100, "unit": "nmol/L"}
    )
    stored = metal_ions(api_as(surgeon), hip, payload).json()
    assert stored["cobalt"]["ug_per_l"] == pytest.approx(7.013, abs=0.001)  # 119 x 58.933
    assert stored["chromium"]["ug_per_l"] == pytest.approx(5.200, abs=0.001)  # 100 x 51.996
    assert stored["cobalt"]["value"] == 119
    assert stored["cobalt"]["unit"] == "nmol/L"


def test_a_serum_result_is_stored_flagged_and_never_compared(api_as, surgeon, hip):
    payload = ions(matrix="serum", cobalt={"value": 30, "unit": "ug/L"})
    done = metal_ions(api_as(surgeon), hip, payload)
    assert done.status_code == 201, done.content
    assert [f["code"] for f in done.json()["flags"]] == ["not-whole-blood"]
    assert Enrolment.objects.get(episode=hip).flagged_on is None


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"cobalt": {"value": 8.1}}, "cobalt.unit", None),  # no unit
        ({"cobalt": {"value": 8.1, "unit": ""}}, "cobalt.unit", None),
        ({"matrix": None}, "matrix", None),  # no matrix
        ({"matrix": "urine"}, "matrix", None),
        ({"tube": "serum"}, "matrix", None),  # a serum result offered as whole blood
        ({"cobalt": {"value": -1, "unit": "ug/L"}}, "cobalt.value", "implausible-value"),
        ({"cobalt": {"value": 1, "unit": "mg/L"}}, "cobalt.unit", "unknown-unit"),
        ({"sampled_on": "2099-01-01"}, "sampled_on", None),  # a day in the future
        ({"sampled_on": "2026-01-25"}, "sampled_on", None),  # before the operation
        ({"cobalt": None, "chromium": None}, "cobalt", "required"),
        ({"laboratory": ""}, "laboratory", None),
    ],
)
def test_a_bad_result_is_refused_on_its_field_and_nothing_is_kept(
    api_as, surgeon, hip, overrides, field, code
):
    payload = {k: v for k, v in ions(**overrides).items() if v is not None or k != "matrix"}
    refused = metal_ions(api_as(surgeon), hip, payload)
    assert refused.status_code == 400, refused.content
    fields = {refused.json()["field"]} | {p["field"] for p in refused.json().get("errors", [])}
    assert field in fields
    if code:
        assert refused.json()["code"] == code or code in {
            p["code"] for p in refused.json().get("errors", [])
        }
    assert not MetalIonResult.every.exists()
    assert not Enrolment.objects.exists()  # the enrolment it would have made is not kept


def test_a_hip_not_under_surveillance_is_a_conflict(api_as, surgeon, bert):
    cd = walk_to("operated", patient=bert, by=surgeon, procedure="core-decompression",
                 listed_on=LISTED_ON)  # fmt: skip
    refused = metal_ions(api_as(surgeon), cd, ions())
    assert (refused.status_code, refused.json()["code"]) == (409, "not-enrolled")
    assert not MetalIonResult.every.exists()


def test_a_retried_result_makes_one_record(api_as, surgeon, hip):
    client = api_as(surgeon)
    url = f"/api/v1/episodes/{hip.public_id}/metal-ions"
    first = post(client, url, ions(), **{"Idempotency-Key": "lab-7"})
    again = post(client, url, ions(), **{"Idempotency-Key": "lab-7"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["id"] == again.json()["id"]
    assert MetalIonResult.every.count() == 1


def test_one_hips_surveillance_reads_schedule_results_flags_and_advice(api_as, surgeon, hip):
    client = api_as(surgeon)
    metal_ions(client, hip, ions())
    shown = client.get(f"/api/v1/episodes/{hip.public_id}/surveillance")
    assert shown.status_code == 200, shown.content
    body = shown.json()
    assert body["enrolled"] is True
    enrolment = body["enrolment"]
    assert (enrolment["source"], enrolment["implant"]) == ("operation-note", "resurfacing")
    assert (enrolment["head_mm"], enrolment["operated_on"]) == (50, OPERATED_ON.isoformat())
    assert (enrolment["status"], enrolment["ended_on"], enrolment["ended_reason"]) == (
        "active", None, ""
    )  # fmt: skip
    schedule = body["schedule"]
    assert schedule["checked_by_clinical_lead"] is False
    assert "conservative default" in schedule["words"]
    assert schedule["rule"]
    assert schedule["title"]
    assert schedule["table_version"]
    assert schedule["next_due_on"]
    assert schedule["next_kind"]
    assert [r["id"] for r in body["results"]] == [str(MetalIonResult.objects.get().public_id)]
    assert body["results"][0]["flags"]
    assert body["flags"]["flagged_on"] == SAMPLED_ON
    assert body["flags"]["flag_text"]
    assert body["flags"]["repeat_due_on"] == "2026-08-30"
    assert body["recommendation"]["recommendation"]
    assert body["recommendation"]["reasons"]
    assert AuditEvent.objects.filter(action="surveillance.view").exists()


def test_a_patient_reads_their_own_hip_only_and_never_a_struck_out_entry(
    api_as, surgeon, ada_user, ada_hip, hip
):
    staff = api_as(surgeon)
    result = metal_ions(staff, ada_hip, ions()).json()
    url = f"/api/v1/episodes/{ada_hip.public_id}/surveillance/result/{result['id']}/strike-out"
    assert post(staff, url, {"reason": "another patient's sample"}).status_code == 200
    patient = api_as(ada_user)
    own = patient.get(f"/api/v1/episodes/{ada_hip.public_id}/surveillance")
    assert own.status_code == 200, own.content
    assert own.json()["results"] == []
    assert "another patient" not in own.content.decode()
    staff_view = staff.get(f"/api/v1/episodes/{ada_hip.public_id}/surveillance").json()
    assert staff_view["results"][0]["struck_out"] is True
    another = patient.get(f"/api/v1/episodes/{hip.public_id}/surveillance")
    assert (another.status_code, another.json()["code"]) == (404, "not-found")


def test_imaging_and_a_review_are_recorded_with_the_advice(api_as, surgeon, hip):
    client = api_as(surgeon)
    metal_ions(client, hip, ions())
    study = post(client, f"/api/v1/episodes/{hip.public_id}/surveillance-imaging", {
        "performed_on": "2026-06-10", "modality": "mars-mri", "fluid_collection": "present",
        "solid_mass": "absent", "muscle_involvement": "absent", "bone_involvement": "absent",
        "size_mm": 22, "classification_system": "hauptfleisch", "classification": "1",
    })  # fmt: skip
    assert study.status_code == 201, study.content
    assert (study.json()["modality"], study.json()["fluid_collection"]) == ("mars-mri", "present")
    symptoms = dict.fromkeys(("pain", "swelling", "clicking", "new-limp", "systemic"), "no")
    review = post(client, f"/api/v1/episodes/{hip.public_id}/surveillance-reviews",
                  {"reviewed_on": "2026-06-12", "symptoms": symptoms})  # fmt: skip
    assert review.status_code == 201, review.content
    body = review.json()
    assert body["recommendation"] == body["advice"]["recommendation"]
    assert body["advice"]["reasons"]
    assert body["plan"] == "follow"
    differs = post(client, f"/api/v1/episodes/{hip.public_id}/surveillance-reviews",
                   {"reviewed_on": "2026-06-13", "plan": "refer-revision"})  # fmt: skip
    assert (differs.status_code, differs.json()["field"]) == (400, "plan_reason")


def test_strike_out_takes_a_known_kind_and_a_reason(api_as, surgeon, hip):
    client = api_as(surgeon)
    result = metal_ions(client, hip, ions()).json()
    base = f"/api/v1/episodes/{hip.public_id}/surveillance"
    assert (
        post(client, f"{base}/blood/{result['id']}/strike-out", {"reason": "x"}).status_code == 404
    )
    no_reason = post(client, f"{base}/result/{result['id']}/strike-out", {"reason": ""})
    assert no_reason.status_code == 400
    done = post(client, f"{base}/result/{result['id']}/strike-out", {"reason": "wrong hip"})
    assert done.status_code == 200, done.content
    assert done.json()["flags"]["flagged_on"] is None  # the flag went with the result
    again = post(client, f"{base}/result/{result['id']}/strike-out", {"reason": "wrong hip"})
    assert (again.status_code, again.json()["code"]) == (409, "struck-out")


def test_a_signed_hip_is_enrolled_now_once(api_as, nurse, hip):
    client = api_as(nurse)
    url = f"/api/v1/episodes/{hip.public_id}/surveillance-enrolment"
    done = post(client, url)
    assert done.status_code == 201, done.content
    assert (done.json()["source"], done.json()["episode_id"]) == (
        "operation-note",
        str(hip.public_id),
    )
    again = post(client, url)
    assert (again.status_code, again.json()["code"]) == (409, "enrolled-already")


def test_a_hip_operated_elsewhere_is_enrolled_by_hand_and_found_by_a_recall(api_as, surgeon, bert):
    client = api_as(surgeon)
    done = post(client, f"/api/v1/patients/{bert.public_id}/surveillance-enrolments", {
        "side": "right", "implant": "mom-thr", "head_mm": 46, "operated_on": "2009-05-01",
        "operated_where": "County Hospital",
        "implants": [{"component": "head", "product": "ASR XL", "lot": "L77"}],
    })  # fmt: skip
    assert done.status_code == 201, done.content
    enrolled = done.json()
    assert (enrolled["source"], enrolled["implant"]) == ("recorded-elsewhere", "mom-thr")
    assert enrolled["implants"] == [
        {"component": "head", "manufacturer": "", "product": "ASR XL", "lot": "L77"}
    ]
    found = client.get(RECALL, {"product": "ASR XL", "lot": "L77"})
    assert found.status_code == 200, found.content
    (row,) = found.json()["items"]
    assert (row["episode_id"], row["patient_id"]) == (enrolled["episode_id"], str(bert.public_id))
    assert row["contacts"] == []
    assert "phone" in row
    assert "address" in row
    contact = post(client, f"/api/v1/episodes/{enrolled['episode_id']}/recall-contacts", {
        "product": "ASR XL", "lot": "L77", "notice": "FSN 2010-08", "method": "phone",
        "contacted_on": "2026-06-01",
    })  # fmt: skip
    assert contact.status_code == 201, contact.content
    assert RecallContact.objects.count() == 1
    again = client.get(RECALL, {"product": "ASR XL", "lot": "L77"}).json()
    assert [c["notice"] for c in again["items"][0]["contacts"]] == ["FSN 2010-08"]


def test_a_recall_finds_the_hips_of_signed_notes(api_as, surgeon, hip):
    # The journey's note names no product; a real note names the one on the box.
    Implant.objects.filter(note__episode=hip, component="femoral").update(product="BHR head")
    found = api_as(surgeon).get(RECALL, {"product": "bhr head", "lot": "F1"})
    assert found.status_code == 200, found.content
    assert [h["episode_id"] for h in found.json()["items"]] == [str(hip.public_id)]
    assert found.json()["items"][0]["source"] == "operation-note"


def test_the_worklist_lists_flagged_hips_paged(api_as, surgeon, hip):
    client = api_as(surgeon)
    metal_ions(client, hip, ions())
    listed = client.get("/api/v1/worklists/surveillance?status=flagged")
    assert listed.status_code == 200, listed.content
    body = listed.json()
    assert (body["count"], body["page"], body["count_capped"]) == (1, 1, False)
    (row,) = body["items"]
    assert row["episode_id"] == str(hip.public_id)
    assert "flagged" in row["statuses"]
    assert "repeat" in row["statuses"]
    assert "@" in row["schedule"]
    bad = client.get("/api/v1/worklists/surveillance?status=sometime")
    assert (bad.status_code, bad.json()["field"]) == (400, "status")


POSTS = [
    ("/api/v1/episodes/{e}/metal-ions", ions()),
    ("/api/v1/episodes/{e}/surveillance-imaging", {"performed_on": SAMPLED_ON, "modality": "xray"}),
    ("/api/v1/episodes/{e}/surveillance-reviews", {"reviewed_on": SAMPLED_ON}),
    ("/api/v1/episodes/{e}/surveillance-enrolment", {}),
    ("/api/v1/patients/{p}/surveillance-enrolments", {"side": "left", "implant": "resurfacing"}),
    ("/api/v1/episodes/{e}/surveillance/result/{e}/strike-out", {"reason": "error"}),
    ("/api/v1/episodes/{e}/recall-contacts", {"product": "X", "notice": "N", "method": "phone",
                                              "contacted_on": SAMPLED_ON}),
]  # fmt: skip


@pytest.mark.parametrize("role", ["physio", "anaesthetist", "admin", "analyst", "ada_user"])
def test_only_surgeons_and_nurses_record(request, api_as, role, hip, bert):
    client = api_as(request.getfixturevalue(role))
    for url, payload in POSTS:
        response = post(client, url.format(e=hip.public_id, p=bert.public_id), payload)
        assert response.status_code == 403, (url, response.content)
    assert client.get(
        "/api/v1/surveillance/recall?product=X"
    ).status_code == 403  # fmt: skip
    assert not MetalIonResult.every.exists()
    assert not Enrolment.objects.exists()


@pytest.mark.parametrize("role", ["analyst", "ada_user"])
def test_the_worklist_is_for_clinical_staff(request, api_as, role):
    response = api_as(request.getfixturevalue(role)).get("/api/v1/worklists/surveillance")
    assert response.status_code == 403


def test_a_revised_hip_reads_as_ended_with_its_new_episode(api_as, surgeon, hip):
    client = api_as(surgeon)
    enrolled = post(client, f"/api/v1/episodes/{hip.public_id}/surveillance-enrolment")
    assert enrolled.status_code == 201
    converted = post(client, f"/api/v1/episodes/{hip.public_id}/conversion", {
        "on": "2026-11-01", "reason": "adverse-reaction-to-metal-debris",
        "procedure": "total-hip-replacement",
    })  # fmt: skip
    assert converted.status_code == 201, converted.content
    programme.refresh_all()
    body = client.get(f"/api/v1/episodes/{hip.public_id}/surveillance").json()
    assert (body["enrolment"]["status"], body["enrolment"]["ended_reason"]) == ("ended", "revised")
    assert body["enrolment"]["ended_on"] == "2026-11-01"
    assert body["schedule"]["next_due_on"] is None
    assert body["recommendation"] is None
    assert "MDA/2017/018" in body["ended_words"]
    assert body["new_episode_id"] == converted.json()["new_episode"]
    refused = metal_ions(client, hip, ions())
    assert (refused.status_code, refused.json()["code"]) == (409, "surveillance-ended")


def test_a_study_and_a_review_are_struck_out_by_their_kind(api_as, nurse, hip):
    client = api_as(nurse)
    study = post(client, f"/api/v1/episodes/{hip.public_id}/surveillance-imaging",
                 {"performed_on": SAMPLED_ON, "modality": "ultrasound"}).json()  # fmt: skip
    review = post(client, f"/api/v1/episodes/{hip.public_id}/surveillance-reviews",
                  {"reviewed_on": SAMPLED_ON}).json()  # fmt: skip
    base = f"/api/v1/episodes/{hip.public_id}/surveillance"
    for kind, record in (("imaging", study), ("review", review)):
        done = post(client, f"{base}/{kind}/{record['id']}/strike-out", {"reason": "wrong hip"})
        assert done.status_code == 200, done.content
    body = done.json()
    assert [s["struck_out"] for s in body["imaging"]] == [True]
    assert [(r["struck_out"], r["struck_out_reason"]) for r in body["reviews"]] == [
        (True, "wrong hip")
    ]
    unknown = post(client, f"{base}/review/{uuid.uuid4()}/strike-out", {"reason": "wrong hip"})
    assert unknown.status_code == 404

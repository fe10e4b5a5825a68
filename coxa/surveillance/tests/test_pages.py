"""One hip's surveillance pages: who may see and record, the forms' refusals beside their
fields with nothing stored, the explained recommendation, strike-outs, enrolling, and links."""

import datetime as dt

import pytest

from coxa.accounts.permissions import TABLE, Op
from coxa.conftest import sign_in
from coxa.surveillance.models import (
    Enrolment,
    ImagingStudy,
    MetalIonResult,
    SurveillanceReview,
)
from coxa.surveillance.selectors import UNCHECKED
from coxa.surveillance.services import enrolment as enrol
from tests.journeys import at_time, walk_to

pytestmark = pytest.mark.django_db
OPERATED = dt.date(2025, 3, 3)
TODAY = OPERATED + dt.timedelta(days=360)
NO_SYMPTOMS = {
    f"symptom_{c}": "no" for c in ("pain", "swelling", "clicking", "new_limp", "systemic")
}


@pytest.fixture
def hip(surgeon, bert):
    """Bert's right BHR, signed on OPERATED; not enrolled yet (the sweep would)."""
    return walk_to(
        "operated",
        patient=bert,
        by=surgeon,
        listed_on=OPERATED - dt.timedelta(days=21),
        operated_on=OPERATED,
    )


@pytest.fixture
def enrolled(hip, surgeon):
    from coxa.core.audit import Via

    with at_time(OPERATED + dt.timedelta(days=2)):
        enrol.enrol_episode(episode=hip, by=surgeon, via=Via.WEB)
    return hip


def page(hip, tail=""):
    return f"/staff/episodes/{hip.public_id}/surveillance/{tail}"


def result(**fields):
    data = {
        "sampled_on": TODAY.isoformat(),
        "matrix": "whole-blood",
        "cobalt_value": "8.1",
        "cobalt_unit": "ug/L",
        "chromium_value": "2.0",
        "chromium_unit": "ug/L",
        "laboratory": "Royal Infirmary trace elements",
    }
    return data | fields


def review(**fields):
    return {"reviewed_on": TODAY.isoformat(), "plan": "follow", **NO_SYMPTOMS} | fields


FORMS = ("results/", "imaging/", "reviews/")


# ---------------------------------------------------------------- who may see and record
@pytest.mark.parametrize("role", ["surgeon", "nurse"])
def test_every_page_renders_for_a_surgeon_and_a_nurse(request, web_as, role, enrolled, bert):
    client = web_as(request.getfixturevalue(role))
    with at_time(TODAY, 10):
        shown = client.get(page(enrolled))
        assert shown.status_code == 200
        html = shown.content.decode()
        assert "Record blood metal levels" in html
        assert "What a review today would recommend" in html
        for tail in FORMS:
            assert client.get(page(enrolled, tail)).status_code == 200, tail
        enrol_page = client.get(f"/staff/patients/{bert.public_id}/surveillance/enrol/")
        assert enrol_page.status_code == 200


@pytest.mark.parametrize("role", ["physio", "anaesthetist", "admin", "analyst"])
def test_other_staff_see_the_page_as_the_table_says_and_may_not_record(
    request, web_as, role, enrolled, bert
):
    user = request.getfixturevalue(role)
    client = web_as(user)
    with at_time(TODAY, 10):
        shown = client.get(page(enrolled))
        assert shown.status_code == (200 if TABLE[Op.PAGE_SURVEILLANCE].admits(user.role) else 403)
        if shown.status_code == 200:
            assert "Record blood metal levels" not in shown.content.decode()
        for tail in FORMS:
            assert client.get(page(enrolled, tail)).status_code == 403, tail
            assert client.post(page(enrolled, tail), result()).status_code == 403, tail
        assert client.post(page(enrolled, "enrol/")).status_code == 403
        url = f"/staff/patients/{bert.public_id}/surveillance/enrol/"
        assert client.get(url).status_code == 403
    assert not MetalIonResult.every.exists()


def test_a_patient_is_refused_the_staff_page(client, ada_user, ada, surgeon):
    own = walk_to(
        "operated",
        patient=ada,
        by=surgeon,
        listed_on=OPERATED,
        operated_on=OPERATED + dt.timedelta(days=21),
        procedure="core-decompression",
    )
    sign_in(client, ada_user)
    assert client.get(page(own)).status_code in (302, 403)
    assert client.get(page(own, "results/")).status_code in (302, 403)


def test_the_unchecked_table_notice_is_on_the_page_and_every_form(web_as, nurse, enrolled):
    client = web_as(nurse)
    with at_time(TODAY, 10):
        for tail in ("", *FORMS):
            html = client.get(page(enrolled, tail)).content.decode()
            assert 'data-testid="unchecked"' in html, tail
            assert "conservative default" in UNCHECKED
            assert "yearly review with blood metal levels" in html


# ---------------------------------------------------------------- blood metal levels
def test_a_result_above_7_shows_as_reported_and_in_ug_per_l_with_its_flags(web_as, nurse, enrolled):
    client = web_as(nurse)
    with at_time(TODAY, 10):
        answer = client.post(
            page(enrolled, "results/"),
            result(cobalt_value="150", cobalt_unit="nmol/L"),
            follow=True,
        )
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "Blood metal levels recorded." in html
    assert "150 nmol/L" in html
    assert "8.84" in html  # 150 nmol/L * 58.933 / 1000
    assert "above 7 µg/L in whole" in html
    assert "mom-blood-above-concern" in html
    assert "Repeat the blood metal levels 3 months after this sample" in html
    assert MetalIonResult.objects.get().cobalt_unit == "nmol/L"


@pytest.mark.parametrize(
    ("typed", "field"),
    [
        ({"cobalt_unit": ""}, "cobalt_unit"),
        ({"chromium_value": ""}, "chromium_value"),
        ({"cobalt_value": "-1"}, "cobalt_value"),
        ({"matrix": ""}, "matrix"),
        ({"matrix": "whole blood"}, "matrix"),
        (
            {"cobalt_value": "", "cobalt_unit": "", "chromium_value": "", "chromium_unit": ""},
            "cobalt_value",
        ),
        ({"sampled_on": (TODAY + dt.timedelta(days=3)).isoformat()}, "sampled_on"),
    ],
)
def test_bad_levels_are_refused_beside_the_field_and_nothing_is_saved(
    web_as, nurse, enrolled, typed, field
):
    client = web_as(nurse)
    with at_time(TODAY, 10):
        answer = client.post(page(enrolled, "results/"), result(**typed))
    assert answer.status_code == 400
    form = answer.context["form"]
    assert field in form.errors, form.errors
    html = answer.content.decode()
    assert f'id="result-{field}_error"' in html
    assert 'value="Royal Infirmary trace elements"' in html  # what was typed is kept
    assert not MetalIonResult.every.exists()


@pytest.mark.parametrize(
    ("typed", "field", "message"),
    [
        ({"cobalt_unit": ""}, "cobalt_unit", "Give the unit the laboratory reported."),
        ({"chromium_value": ""}, "chromium_value", "Give the level the laboratory reported"),
    ],
)
def test_a_level_without_its_unit_is_refused_in_words(
    web_as, nurse, enrolled, typed, field, message
):
    with at_time(TODAY, 10):
        answer = web_as(nurse).post(page(enrolled, "results/"), result(**typed))
    assert answer.status_code == 400
    assert answer.context["form"].errors[field][0].startswith(message)
    html = answer.content.decode()
    assert "String should have" not in html
    assert "Input should be" not in html


def test_a_negative_level_names_its_metal_once(web_as, nurse, enrolled):
    with at_time(TODAY, 10):
        html = web_as(nurse).post(page(enrolled, "results/"), result(cobalt_value="-1")).content
    html = html.decode()
    assert "Cobalt: a level cannot be negative" in html
    assert "Cobalt: cobalt:" not in html
    assert "cobalt: a level" not in html


def test_units_read_as_staff_write_them(web_as, nurse, enrolled):
    client = web_as(nurse)
    with at_time(TODAY, 10):
        form = client.get(page(enrolled, "results/")).content.decode()
        shown = client.post(
            page(enrolled, "results/"),
            result(cobalt_unit="[ppb]", chromium_unit="ug/L"),
            follow=True,
        ).content.decode()
    assert '<option value="[ppb]">ppb</option>' in form
    assert '<option value="ug/L">µg/L</option>' in form
    assert '<option value="nmol/L">nmol/L</option>' in form
    assert "parts per billion" not in form
    assert "8.1 ppb" in shown
    assert "2 µg/L" in shown
    assert "[ppb]" not in shown
    assert "ug/L" not in shown


def test_a_serum_result_is_stored_but_not_compared_with_the_whole_blood_threshold(
    web_as, nurse, enrolled
):
    client = web_as(nurse)
    with at_time(TODAY, 10):
        html = client.post(
            page(enrolled, "results/"), result(matrix="serum"), follow=True
        ).content.decode()
    assert "Serum sample: stored, but not compared" in html
    assert "above 7 µg/L" not in html


# ---------------------------------------------------------------- imaging
def test_a_mars_mri_with_muscle_involvement_is_recorded_and_shown(web_as, surgeon, enrolled):
    client = web_as(surgeon)
    data = {
        "performed_on": TODAY.isoformat(),
        "modality": "mars-mri",
        "fluid_collection": "present",
        "solid_mass": "absent",
        "muscle_involvement": "present",
        "bone_involvement": "not-assessed",
        "size_mm": "42",
        "classification_system": "hauptfleisch",
        "classification": "2",
        "report": "Thick-walled collection",
    }
    with at_time(TODAY, 10):
        html = client.post(page(enrolled, "imaging/"), data, follow=True).content.decode()
    assert "Imaging recorded." in html
    assert "Type II: thick-walled cyst" in html
    assert "42 mm" in html
    assert "Muscle or bone involvement on imaging" in html  # what a review today would say
    assert ImagingStudy.objects.get().muscle_involvement == "present"


@pytest.mark.parametrize("size", ["-4", "0", "401"])
def test_an_impossible_size_is_refused_in_words(web_as, surgeon, enrolled, size):
    data = {"performed_on": TODAY.isoformat(), "modality": "ultrasound", "size_mm": size}
    with at_time(TODAY, 10):
        answer = web_as(surgeon).post(page(enrolled, "imaging/"), data)
    assert answer.status_code == 400
    (message,) = answer.context["form"].errors["size_mm"]
    assert message.startswith("The size must be")
    assert "Input should be" not in answer.content.decode()
    assert not ImagingStudy.every.exists()


def test_the_facts_a_reason_used_are_in_words(web_as, surgeon, enrolled):
    client = web_as(surgeon)
    data = {
        "performed_on": (TODAY - dt.timedelta(days=2)).isoformat(),
        "modality": "mars-mri",
        "fluid_collection": "present",
        "solid_mass": "absent",
        "muscle_involvement": "present",
        "bone_involvement": "absent",
    }
    with at_time(TODAY, 10):
        client.post(page(enrolled, "imaging/"), data)
        client.post(page(enrolled, "results/"), result())
        html = client.get(page(enrolled, "reviews/")).content.decode()
    performed = TODAY - dt.timedelta(days=2)
    assert f"performed on {performed.day} {performed:%b %Y}; modality MARS MRI" in html
    assert f"sampled on {TODAY.day} {TODAY:%b %Y}" in html
    assert "cobalt (µg/L) 8.1" in html
    assert "mars-mri" not in html.split('data-testid="advice-now"')[1].split("</section>")[0]
    assert "_ug_per_l" not in html
    assert "performed_on" not in html


def test_an_xray_claiming_soft_tissue_is_refused_beside_the_field(web_as, surgeon, enrolled):
    client = web_as(surgeon)
    data = {
        "performed_on": TODAY.isoformat(),
        "modality": "xray",
        "fluid_collection": "present",
        "xray_osteolysis": "present",
    }
    with at_time(TODAY, 10):
        answer = client.post(page(enrolled, "imaging/"), data)
    assert answer.status_code == 400
    assert "fluid_collection" in answer.context["form"].errors
    assert not ImagingStudy.every.exists()


# ---------------------------------------------------------------- reviews
def test_a_review_after_a_high_result_shows_its_explained_recommendation(web_as, nurse, enrolled):
    client = web_as(nurse)
    with at_time(TODAY, 10):
        client.post(page(enrolled, "results/"), result())
        answer = client.post(page(enrolled, "reviews/"), review(), follow=True)
    assert answer.status_code == 200
    html = answer.content.decode()
    saved = SurveillanceReview.objects.get()
    assert answer.redirect_chain[-1][0].endswith(f"#review-{saved.public_id}")
    assert "Review recorded. Recommendation: Image the hip (MARS MRI or ultrasound)." in html
    assert "mom-first-above-concern" in html
    assert "mom-levels-image" in html
    assert "Follow the recommendation: Image the hip" in html
    assert "Facts used:" in html


def test_another_plan_needs_a_reason(web_as, nurse, enrolled):
    client = web_as(nurse)
    with at_time(TODAY, 10):
        answer = client.post(page(enrolled, "reviews/"), review(plan="routine"))
    assert answer.status_code == 400
    assert "plan_reason" in answer.context["form"].errors
    assert not SurveillanceReview.every.exists()
    with at_time(TODAY, 10):
        html = client.post(
            page(enrolled, "reviews/"),
            review(plan="refer-revision", plan_reason="Patient asks to discuss revision"),
            follow=True,
        ).content.decode()
    assert "Refer to discuss revision (instead of the recommendation)" in html
    assert "Patient asks to discuss revision" in html


# ---------------------------------------------------------------- strike-outs
def test_a_result_is_struck_out_with_a_reason_and_shown_marked(web_as, nurse, enrolled):
    client = web_as(nurse)
    with at_time(TODAY, 10):
        client.post(page(enrolled, "results/"), result())
        row = MetalIonResult.objects.get()
        url = page(enrolled, f"results/{row.public_id}/strike-out/")
        refused = client.post(url, {"reason": ""})
        assert refused.status_code == 400
        shown = refused.content.decode()
        assert shown.count('class="error-summary"') == 1  # one box, announced once
        assert shown.count('role="alert"') == 1
        assert f'id="strike-{row.public_id}-reason_error"' in shown  # beside the reason
        assert MetalIonResult.objects.exists()
        html = client.post(url, {"reason": "Another patient's sample"}, follow=True)
    html = html.content.decode()
    assert "The result was struck out." in html
    assert 'data-testid="struck-out"' in html
    assert "Another patient&#x27;s sample" in html
    assert not MetalIonResult.objects.exists()
    assert MetalIonResult.every.count() == 1


# ---------------------------------------------------------------- enrolling
def test_a_signed_hip_not_yet_enrolled_is_enrolled_now_once(web_as, nurse, hip):
    client = web_as(nurse)
    with at_time(OPERATED + dt.timedelta(days=2), 10):
        html = client.get(page(hip)).content.decode()
        assert "Enrol now" in html
        key = html.split('name="submission_key" value="')[1].split('"')[0]
        first = client.post(page(hip, "enrol/"), {"submission_key": key}, follow=True)
        again = client.post(page(hip, "enrol/"), {"submission_key": key}, follow=True)
    assert "Enrolled for lifelong metal-on-metal surveillance." in first.content.decode()
    assert "the hip was enrolled once" in again.content.decode()
    assert Enrolment.objects.filter(episode=hip).count() == 1


def test_a_hip_from_elsewhere_is_enrolled_by_hand_with_its_implants(web_as, surgeon, ada):
    client = web_as(surgeon)
    url = f"/staff/patients/{ada.public_id}/surveillance/enrol/"
    data = {
        "side": "left",
        "implant": "resurfacing",
        "head_mm": "46",
        "operated_on": "2012-05-01",
        "operated_where": "St Elsewhere",
        "implant_1_component": "femoral",
        "implant_1_product": "BHR femoral head",
        "implant_1_lot": "",
    }
    for typed, field, message in [
        ({"head_mm": "12"}, "head_mm", "A head size is from 20 to 70 mm"),
        ({"implant_1_product": ""}, "implant_1_product", "Give the product of this component."),
        ({"implant_1_component": ""}, "implant_1_component", "Choose which component this is."),
    ]:
        refused = client.post(url, data | typed)
        assert refused.status_code == 400, typed
        assert refused.context["form"].errors[field][0].startswith(message), typed
        assert "should have at least" not in refused.content.decode()
        assert "Input should be" not in refused.content.decode()
    refused = client.post(url, data | {"implant_1_component": "nail"})
    assert refused.status_code == 400
    assert "implant_1_component" in refused.context["form"].errors
    assert not Enrolment.objects.exists()
    answer = client.post(url, data, follow=True)
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "Hip enrolled for lifelong metal-on-metal surveillance." in html
    assert "BHR femoral head, lot not known" in html
    assert "St Elsewhere" in html
    assert Enrolment.objects.get().implants.count() == 1


def test_the_episode_and_patient_pages_link_here(web_as, nurse, enrolled, bert):
    client = web_as(nurse)
    episode = client.get(f"/staff/episodes/{enrolled.public_id}/").content.decode()
    assert page(enrolled) in episode
    chart = client.get(f"/staff/patients/{bert.public_id}/").content.decode()
    assert f"/staff/patients/{bert.public_id}/surveillance/enrol/" in chart


def test_after_a_revision_the_page_says_why_it_ended_and_links_the_new_episode(
    web_as, surgeon, enrolled
):
    from coxa.core.audit import Via
    from coxa.outcomes.services.endpoints import record_conversion
    from coxa.surveillance.services import programme

    with at_time(TODAY, 10):
        done = record_conversion(
            episode=enrolled,
            on=TODAY - dt.timedelta(days=1),
            reason="adverse-reaction-to-metal-debris",
            procedure="total-hip-replacement",
            by=surgeon,
            via=Via.WEB,
        )
        programme.refresh(Enrolment.objects.get(episode=enrolled))
        html = web_as(surgeon).get(page(enrolled)).content.decode()
    assert 'data-testid="ended"' in html
    assert "Metal-on-metal surveillance ended with the revision." in html
    assert f"/staff/episodes/{done.new_episode.public_id}/" in html
    assert "Record blood metal levels" not in html

"""The one medicine-stop function: policy, the antiplatelet guard, clinicians' plans. Pure."""

import datetime as dt

import pytest

from coxa.catalogue.loader import get_catalogue
from coxa.decisions.domain.document import Medication, MedicinePlan
from coxa.decisions.domain.medicines import advice_for, late_stops, medicine_stops

DAY = dt.date(2027, 1, 20)
SOURCE_PAGE = advice_for(get_catalogue().medication_stops, "source-page", "bhr")
CURRENT = advice_for(get_catalogue().medication_stops, "current-guidance", "bhr")
FOR_CD = advice_for(get_catalogue().medication_stops, "source-page", "core-decompression")
ASPIRIN = Medication("Aspirin 75 mg", "antiplatelet", "B01AC06", "primary-prevention")


def stops(*medicines, vascular=False, advice=SOURCE_PAGE, on=DAY):
    return {
        s.medication: s
        for s in medicine_stops(
            medicines, vascular_history=vascular, advice=advice, operation_on=on
        )
    }


def test_coded_aspirin_for_prevention_stops_ten_days_before_by_the_source_page():
    stop = stops(ASPIRIN)["Aspirin 75 mg"]
    assert (stop.action, stop.stop_on, stop.sources) == (
        "stop",
        dt.date(2027, 1, 10),
        ("bhr-page",),
    )
    assert not stop.needs_decision


@pytest.mark.parametrize(
    ("medicine", "vascular", "why"),
    [
        (ASPIRIN, True, "heart or artery disease"),
        (ASPIRIN, None, "not recorded"),
        (Medication("Aspirin", "antiplatelet", "B01AC06", "coronary-stent"), False, "stent"),
        (Medication("Aspirin", "antiplatelet", "B01AC06", "stroke-or-tia"), False, "stroke"),
        (
            Medication("Aspirin", "antiplatelet", "B01AC06", "peripheral-arterial-disease"),
            False,
            "arterial",
        ),
        (Medication("Aspirin", "antiplatelet", "B01AC06", None), False, "not recorded"),
        (Medication("Aspirin", "antiplatelet", "B01AC06", "other"), False, "another reason"),
    ],
)
def test_an_antiplatelet_with_a_vascular_or_unknown_reason_gets_no_stop_date(
    medicine, vascular, why
):
    stop = next(iter(stops(medicine, vascular=vascular).values()))
    assert (stop.action, stop.stop_on) == ("review", None)
    assert stop.needs_decision
    assert why in stop.why_review


def test_the_aspirin_rule_never_reaches_other_antiplatelets_or_free_text():
    found = stops(
        Medication("Clopidogrel", "antiplatelet", "B01AC04", "primary-prevention"),
        Medication("aspirin", "antiplatelet", None, "primary-prevention"),  # not coded
    )
    assert {s.action for s in found.values()} == {"review"}
    assert all(s.stop_on is None for s in found.values())


def test_a_clinicians_plan_replaces_the_policy():
    plan = MedicinePlan("stop", 5, 1)
    stented = Medication("Clopidogrel", "antiplatelet", "B01AC04", "coronary-stent", plan)
    stop = stops(stented, vascular=True)["Clopidogrel"]
    assert (stop.action, stop.stop_on, stop.restart_on, stop.decided) == (
        "stop",
        dt.date(2027, 1, 15),
        dt.date(2027, 1, 21),
        True,
    )
    kept = Medication(
        "Aspirin", "antiplatelet", "B01AC06", "coronary-stent", MedicinePlan("continue")
    )
    assert stops(kept, vascular=True)["Aspirin"].action == "continue"
    assert not stops(kept, vascular=True)["Aspirin"].needs_decision


def test_anticoagulants_always_need_a_clinicians_plan():
    stop = stops(Medication("Warfarin", "vitamin-k-antagonist", "B01AA03"))["Warfarin"]
    assert (stop.action, stop.needs_decision) == ("review", True)


def test_the_current_guidance_policy_never_stops_aspirin_by_itself():
    assert stops(ASPIRIN, advice=CURRENT)["Aspirin 75 mg"].action == "review"


def test_no_date_without_an_operation_day_and_coded_medicines_without_advice_are_left_out():
    found = stops(ASPIRIN, Medication("Ramipril", "other", "C09AA05"), on=None)
    assert list(found) == ["Aspirin 75 mg"]
    assert found["Aspirin 75 mg"].stop_on is None


def test_a_medicine_not_coded_always_needs_a_clinician_whatever_class_was_typed():
    found = stops(Medication("Plavix", "other"), Medication("aspirin", "antiplatelet"))
    for name in ("Plavix", "aspirin"):
        assert (found[name].action, found[name].needs_decision) == ("review", True)
        assert found[name].stop_on is None
        assert "not coded" in found[name].why_review


def test_stops_already_past_are_late():
    found = medicine_stops((ASPIRIN,), vascular_history=False, advice=SOURCE_PAGE, operation_on=DAY)
    assert late_stops(found, dt.date(2027, 1, 10)) == ()
    assert [s.medication for s in late_stops(found, dt.date(2027, 1, 11))] == ["Aspirin 75 mg"]


def test_the_bhr_pages_stops_speak_for_bhr_only():
    # The source page is about resurfacing: for other operations a clinician decides.
    found = stops(ASPIRIN, Medication("Ibuprofen", "nsaid", "M01AE01"), advice=FOR_CD)
    assert {(s.action, s.stop_on) for s in found.values()} == {("review", None)}


def test_an_uncoded_anti_inflammatory_gets_no_date_from_the_policy():
    found = stops(Medication("Aspirin 75 mg", "nsaid"))  # typed, and in the wrong class
    assert (found["Aspirin 75 mg"].action, found["Aspirin 75 mg"].stop_on) == ("review", None)


def test_the_guards_advice_cites_its_own_source():
    stop = stops(ASPIRIN, vascular=True)["Aspirin 75 mg"]
    assert stop.sources == ("accp-2022",)


def test_a_medicine_recorded_after_its_stop_day_is_late():
    recorded = dt.date(2027, 1, 12)  # the aspirin stop day was 10 January
    late = Medication(
        "Aspirin", "antiplatelet", "B01AC06", "primary-prevention", recorded_on=recorded
    )
    assert stops(late)["Aspirin"].late
    assert not stops(ASPIRIN)["Aspirin 75 mg"].late


def test_a_stent_recorded_against_one_antiplatelet_protects_the_other():
    # Browser walk: clopidogrel "for a coronary stent" left aspirin "for prevention" with
    # the 10-day stop, because the history had not been updated.
    clopidogrel = Medication("Clopidogrel", "antiplatelet", "B01AC04", "coronary-stent")
    found = stops(ASPIRIN, clopidogrel, vascular=False)
    assert (found["Aspirin 75 mg"].action, found["Aspirin 75 mg"].stop_on) == ("review", None)

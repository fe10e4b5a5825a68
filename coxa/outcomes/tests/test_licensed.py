"""Licensed wording and value sets: refused unless they match the shipped structure; loaded
with who, when and the file's hash; used for scoring and for the forms once loaded."""

import copy
import hashlib
import json
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from coxa.catalogue.loader import get_catalogue
from coxa.core import clock
from coxa.core.models import AuditEvent
from coxa.outcomes import selectors
from coxa.outcomes.domain.licensed import LicenceFileError, check_licence_file
from coxa.outcomes.models import LicensedInstrument, QuestionnaireResponse
from tests.journeys import list_episode

FIXTURES = Path(__file__).parent / "fixtures"
EQ_FILE = FIXTURES / "licensed-eq-5d-5l.json"
OHS_FILE = FIXTURES / "licensed-oxford-hip.yaml"


def eq_data():
    return json.loads(EQ_FILE.read_text())


def ohs_data():
    return yaml.safe_load(OHS_FILE.read_text())


def refused(code, data):
    with pytest.raises(LicenceFileError) as caught:
        check_licence_file(get_catalogue().instruments[code], data)
    return " | ".join(caught.value.problems)


# ------------------------------------------------------------------ the check (pure)
def test_the_shipped_fixtures_match_their_structure():
    eq = check_licence_file(get_catalogue().instruments["eq-5d-5l"], eq_data())
    assert len(eq.value_set) == 5**5
    assert eq.value_set["11111"] == 1.0
    assert "INVENTED" in eq.value_set_name  # clearly not EuroQol's
    ohs = check_licence_file(get_catalogue().instruments["oxford-hip"], ohs_data())
    assert list(ohs.items) == [f"q{n}" for n in range(1, 13)]
    assert ohs.items["q1"].labels[4].startswith("Placeholder")


def test_a_wrong_item_code_is_named():
    data = ohs_data()
    data["items"][0]["code"] = "question-1"
    problems = refused("oxford-hip", data)
    assert "item 'question-1' is not an item of oxford-hip" in problems
    assert "items missing: q1" in problems


def test_a_wrong_answer_value_is_named():
    data = ohs_data()
    data["items"][2]["options"][4]["value"] = 5
    problems = refused("oxford-hip", data)
    assert "item q3: answer value 5 is not one of 0, 1, 2, 3, 4" in problems
    assert "item q3: no label for answer value(s) 4" in problems


def test_a_missing_item_text_or_label_is_named():
    data = ohs_data()
    data["items"][0]["text"] = " "
    data["items"][1]["options"][0]["label"] = ""
    problems = refused("oxford-hip", data)
    assert "item q1: give its text" in problems
    assert "item q2: answer value 0 needs its label" in problems


def test_missing_items_are_named():
    data = ohs_data()
    data["items"] = data["items"][:10]
    assert "items missing: q11, q12" in refused("oxford-hip", data)


def test_a_value_set_with_the_wrong_number_of_profiles_is_refused():
    data = eq_data()
    del data["value_set"]["values"]["55555"]
    data["value_set"]["values"]["66666"] = 0.1
    problems = refused("eq-5d-5l", data)
    assert (
        "value_set: 3125 profiles given, 3125 expected; not profiles: 66666; missing: 55555"
        in problems
    )
    data = eq_data()
    del data["value_set"]["values"]["12345"]
    assert "3124 profiles given, 3125 expected" in refused("eq-5d-5l", data)


def test_the_published_england_minimum_loads():
    """Devlin 2018 (Health Econ 27:7): England's set runs down to -0.285 for 55555."""
    data = eq_data()
    data["value_set"]["values"]["55555"] = -0.285
    check_licence_file(get_catalogue().instruments["eq-5d-5l"], data)


@pytest.mark.parametrize("value", [1.2, -1.5, "high"])
def test_a_value_out_of_range_or_not_a_number_is_refused(value):
    data = eq_data()
    data["value_set"]["values"]["21111"] = value
    assert "value_set: 21111" in refused("eq-5d-5l", data)


def test_full_health_must_score_one_and_a_worse_profile_never_scores_higher():
    data = eq_data()
    data["value_set"]["values"]["11111"] = 0.95
    assert "11111 (full health) must score 1" in refused("eq-5d-5l", data)
    data = eq_data()
    data["value_set"]["values"]["11112"] = 0.999  # above 11111? no: 1 > 0.999; above 11113
    data["value_set"]["values"]["11113"] = 0.9995
    assert "11113 scores 0.9995 but the better profile 11112" in refused("eq-5d-5l", data)


def test_a_value_set_is_required_for_eq_5d_and_refused_for_the_oxford_score():
    data = eq_data()
    del data["value_set"]
    assert "value_set: give its name and values" in refused("eq-5d-5l", data)
    data = ohs_data()
    data["value_set"] = {"name": "x", "values": {}}
    assert "oxford-hip is not scored by a value set" in refused("oxford-hip", data)


def test_a_free_instrument_and_unknown_keys_are_refused():
    assert "hoos-jr is not licensed" in refused("hoos-jr", ohs_data())
    data = ohs_data()
    data["extra"] = 1
    del data["licence"]
    problems = refused("oxford-hip", data)
    assert "unknown key 'extra'" in problems
    assert "licence: say whose licence" in problems


# ------------------------------------------------------------------ the command and the service
@pytest.mark.django_db
def test_the_command_loads_the_file_with_who_when_and_its_hash(admin):
    call_command("instruments", "load", str(EQ_FILE), "--by", admin.username)
    row = LicensedInstrument.objects.get()
    assert row.instrument == "eq-5d-5l"
    assert row.loaded_by == admin
    assert row.loaded_at is not None
    assert row.file_sha256 == hashlib.sha256(EQ_FILE.read_bytes()).hexdigest()
    event = AuditEvent.objects.filter(action="instrument.load-licensed").get()
    assert event.details["sha256"] == row.file_sha256
    q = selectors.questionnaire("eq-5d-5l")
    assert q.available
    assert q.questions[0].text.startswith("Placeholder question about mobility")
    assert next(c.label for c in q.questions[0].choices) == "Placeholder level one"
    assert q.questions[-1].scale  # the EQ VAS, 0 to 100


@pytest.mark.django_db
def test_the_command_refuses_a_mismatched_file_naming_the_problem(admin, tmp_path):
    data = ohs_data()
    data["items"][0]["code"] = "q13"
    bad = tmp_path / "ohs.yaml"
    bad.write_text(yaml.safe_dump(data))
    with pytest.raises(CommandError, match="item 'q13' is not an item of oxford-hip"):
        call_command("instruments", "load", str(bad), "--by", admin.username)
    assert not LicensedInstrument.objects.exists()
    assert not selectors.questionnaire("oxford-hip").available


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["surgeon", "nurse", "analyst", "ada_user"])
def test_only_a_role_that_loads_licences_may(request, role):
    user = request.getfixturevalue(role)
    with pytest.raises(CommandError, match="may not"):
        call_command("instruments", "load", str(OHS_FILE), "--by", user.username)
    assert not LicensedInstrument.objects.exists()


@pytest.mark.django_db
def test_an_unknown_instrument_or_file_is_refused(admin, tmp_path):
    data = copy.deepcopy(ohs_data())
    data["instrument"] = "womac"
    bad = tmp_path / "x.yaml"
    bad.write_text(yaml.safe_dump(data))
    with pytest.raises(CommandError, match="no questionnaire 'womac'"):
        call_command("instruments", "load", str(bad), "--by", admin.username)
    with pytest.raises(CommandError, match="cannot read it"):
        call_command("instruments", "load", str(tmp_path / "none.yaml"), "--by", admin.username)


@pytest.mark.django_db
def test_eq_5d_is_scored_with_the_loaded_value_set(api_as, admin, nurse, bert, surgeon):
    hip = list_episode(bert, surgeon)
    answers = {"mobility": 2, "self-care": 1, "usual-activities": 1, "pain-discomfort": 4,
               "anxiety-depression": 3, "vas": 70}  # fmt: skip
    url = f"/api/v1/episodes/{hip.public_id}/questionnaires/eq-5d-5l/responses"
    body = {"answers": answers, "completed_on": clock.today().isoformat()}
    before = api_as(nurse).post(url, body, content_type="application/json").json()
    assert (before["profile"], before["score"]) == ("21143", None)  # no value set yet
    call_command("instruments", "load", str(EQ_FILE), "--by", admin.username)
    after = api_as(nurse).post(url, body, content_type="application/json").json()
    # The invented set: 1 - 0.07*(2-1) - 0.08*(4-1) - 0.05*(3-1) = 0.59
    assert (after["profile"], after["score"]) == ("21143", 0.59)
    assert QuestionnaireResponse.objects.filter(score=0.59).get().answers["vas"] == 70


@pytest.mark.django_db
def test_a_licensed_instrument_not_loaded_cannot_be_given_to_a_patient(
    api_as, ada, ada_user, surgeon
):
    hip = list_episode(ada, surgeon)
    url = f"/api/v1/episodes/{hip.public_id}/questionnaires/oxford-hip/responses"
    answers = {f"q{n}": 4 for n in range(1, 13)}
    body = {"answers": answers, "completed_on": clock.today().isoformat()}
    refused_ = api_as(ada_user).post(url, body, content_type="application/json")
    assert refused_.status_code == 409
    assert refused_.json()["code"] == "instrument-not-loaded"
    assert not QuestionnaireResponse.objects.exists()
    shown = selectors.questionnaire("oxford-hip")
    assert not shown.available
    assert "licensed wording" in shown.unavailable

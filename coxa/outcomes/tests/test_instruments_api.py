"""The questionnaires through the API: anyone signed in reads them; licensed words never."""

import pytest

pytestmark = pytest.mark.django_db


def test_every_instrument_with_items_options_and_scoring(api_as, nurse):
    found = api_as(nurse).get("/api/v1/instruments")
    assert found.status_code == 200
    by_code = {i["code"]: i for i in found.json()}
    assert set(by_code) == {"hoos-jr", "ucla", "pain-nrs", "oxford-hip", "eq-5d-5l"}
    hoos = by_code["hoos-jr"]
    assert [o["value"] for o in hoos["items"][0]["options"]] == [0, 1, 2, 3, 4]
    assert hoos["scoring"]["method"] == "lookup"
    assert len(hoos["scoring"]["table"]) == 25
    assert hoos["important_change"]["points"] == 7.76
    ohs = by_code["oxford-hip"]
    assert ohs["licensed"] is True
    assert all(i["text"] is None for i in ohs["items"])


def test_one_instrument_and_an_unknown_one(api_as, ada_user, ada):
    client = api_as(ada_user)  # a patient reads the questionnaire they are asked to answer
    pain = client.get("/api/v1/instruments/pain-nrs").json()
    assert [o["value"] for o in pain["items"][0]["options"]] == list(range(11))
    missing = client.get("/api/v1/instruments/harris-hip")
    assert missing.status_code == 404
    assert missing.json()["code"] == "unknown-instrument"


def test_not_signed_in_is_refused(client):
    assert client.get("/api/v1/instruments").status_code == 401

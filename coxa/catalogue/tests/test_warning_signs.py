"""Each procedure's warning signs: two groups, each sign sourced (issue 13)."""

import shutil

import pytest
import yaml

from coxa.catalogue.loader import CatalogueError, get_catalogue, load_catalogue, packaged_data
from coxa.catalogue.registry import watch_for


@pytest.fixture
def data(tmp_path):
    copy = tmp_path / "data"
    shutil.copytree(str(packaged_data()), copy)
    return copy


def problems_after(data, change):
    path = data / "procedures" / "bhr.yaml"
    content = yaml.safe_load(path.read_text())
    change(content["warning_signs"])
    path.write_text(yaml.safe_dump(content, sort_keys=False))
    with pytest.raises(CatalogueError) as error:
        load_catalogue(data)
    return "\n".join(error.value.problems)


def test_every_procedure_has_sourced_signs_in_both_groups():
    catalogue = get_catalogue()
    for code, procedure in catalogue.procedures.items():
        assert procedure.signs_in("get-help-now"), code
        assert procedure.signs_in("call-us"), code
        for sign in procedure.warning_signs:
            confidences = {catalogue.sources[s].confidence for s in sign.sources}
            assert confidences & {"H", "M"}, (code, sign.code)
            assert catalogue.sources[sign.sources[0]].url, (code, sign.code)


def test_each_procedure_warns_of_a_clot_infection_and_a_fall():
    for procedure in get_catalogue().procedures.values():
        codes = {s.code for s in procedure.warning_signs}
        assert {"clot-in-lung", "clot-in-leg", "wound-infection", "fever", "numbness"} <= codes
        assert {"new-hip-pain"} <= codes
        assert procedure.signs_in("get-help-now")[0].code == "clot-in-lung"


def test_dislocation_is_a_sign_after_a_new_joint_not_after_core_decompression():
    procedures = get_catalogue().procedures
    for code in ("bhr", "total-hip-replacement"):
        urgent = [s.code for s in procedures[code].signs_in("get-help-now")]
        assert urgent == ["clot-in-lung", "dislocation-or-fracture"], code
    decompression = procedures["core-decompression"]
    assert [s.code for s in decompression.signs_in("get-help-now")] == [
        "clot-in-lung",
        "hip-fracture",
    ]
    assert not any("dislocation" in s.code for s in decompression.warning_signs)
    assert not any("socket" in s.text for s in decompression.warning_signs)


def test_a_broken_or_dislocated_hip_is_an_emergency_and_new_pain_a_call_the_same_day():
    """Clinical review: cannot bear weight, or a shorter or turned leg, is 999 or A&E; a
    fracture after these operations often comes without a fall (Shimmin and Back: on average
    15 weeks after resurfacing; clinical-facts 5.4 for core decompression), so new or worse
    pain on putting weight on the leg is a call the same day, fall or not."""
    for code, procedure in get_catalogue().procedures.items():
        urgent = " ".join(s.text for s in procedure.signs_in("get-help-now"))
        for words in ("cannot put weight on the leg", "shorter or turned", "999", "A&E"):
            assert words in urgent, (code, words)
        call_us = [s.text for s in procedure.signs_in("call-us")]
        assert not any("shorter or turned" in t or "cannot put weight" in t for t in call_us)
        pain = next(s for s in procedure.warning_signs if s.code == "new-hip-pain")
        assert pain.group == "call-us"
        assert "pain in the hip or groin" in pain.text
        assert "even without a fall" in pain.text
    cited = {
        code: {i for s in p.warning_signs if s.code == "new-hip-pain" for i in s.sources}
        for code, p in get_catalogue().procedures.items()
    }
    assert "shimmin-back-2005" in cited["bhr"]
    assert "pearldiver-cd" in cited["core-decompression"]


def test_the_patient_reads_plain_words_and_the_emergency_says_999():
    procedure = get_catalogue().procedures["core-decompression"]
    watch = watch_for(procedure)
    assert all("999" in text for text in watch.get_help_now)
    codes = {s.code for s in procedure.warning_signs if "-" in s.code} | {"get-help-now"}
    assert not any(code in text for code in codes for text in watch.get_help_now + watch.call_us)
    assert len(watch.contacts) == 2


def test_a_sign_without_a_source_is_refused(data):
    def drop(signs):
        signs[1]["sources"] = []

    assert "bhr.yaml: warning_signs.1.sources" in problems_after(data, drop)


def test_a_sign_citing_an_unknown_source_is_refused(data):
    def cite(signs):
        signs[1]["sources"] = ["a-leaflet-nobody-listed"]

    assert "unknown source a-leaflet-nobody-listed" in problems_after(data, cite)


def test_a_sign_in_an_unknown_group_is_refused(data):
    def regroup(signs):
        signs[1]["group"] = "whenever"

    assert "bhr.yaml: warning_signs.1.group" in problems_after(data, regroup)


def test_a_procedure_with_no_emergency_sign_is_refused(data):
    def only_call_us(signs):
        signs[:] = [s for s in signs if s["group"] == "call-us"]

    assert "warning_signs: none in the group get-help-now" in problems_after(data, only_call_us)


def test_a_sign_twice_is_refused(data):
    def twice(signs):
        signs.append(dict(signs[1]))

    assert "warning_signs: a sign appears twice" in problems_after(data, twice)

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
        assert [s.code for s in procedure.signs_in("get-help-now")] == ["clot-in-lung"]


def test_dislocation_is_a_sign_after_a_new_joint_not_after_core_decompression():
    procedures = get_catalogue().procedures
    for code in ("bhr", "total-hip-replacement"):
        codes = {s.code for s in procedures[code].warning_signs}
        assert "fall-dislocation-or-fracture" in codes, code
    decompression = {s.code for s in procedures["core-decompression"].warning_signs}
    assert "fall-fracture" in decompression
    assert not any("dislocation" in c for c in decompression)
    assert not any("socket" in s.text for s in procedures["core-decompression"].warning_signs)


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

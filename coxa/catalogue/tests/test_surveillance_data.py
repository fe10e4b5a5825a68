"""surveillance.yaml: the metal-on-metal table is checked strictly at load (ADR 0024)."""

from coxa.catalogue.loader import get_catalogue
from coxa.catalogue.tests.test_loader import data, edit, problems  # noqa: F401 (fixture)


def test_the_shipped_table_is_not_yet_checked_and_its_default_is_yearly_with_bloods():
    table = get_catalogue().surveillance
    assert table.checked_by_clinical_lead is None
    assert (table.default.interval_days, table.default.blood_metals) == (365, True)
    assert table.blood_metals.concern_above_ug_per_l == 7
    assert table.blood_metals.repeat_after_days == 90
    assert table.alert_sources == ("mhra-mda-2017-018",)


def test_every_procedure_followed_for_life_has_an_implant_class_the_table_knows():
    catalogue = get_catalogue()
    followed = {c: p.surveillance for c, p in catalogue.procedures.items() if p.surveillance}
    assert set(followed) == {"bhr"}
    assert set(catalogue.surveillance.recorded_as) == {"resurfacing", "mom-thr"}


def test_an_unknown_source_alert_or_procedure_is_refused(data):  # noqa: F811
    def bad(content):
        content["alert_sources"] = ["no-such-alert"]
        content["recorded_as"]["mom-thr"] = "knee"
        content["rules"][0]["sources"] = ["nowhere"]

    edit(data / "surveillance.yaml", bad)
    found = problems(data)
    assert any("alert_sources: unknown source no-such-alert" in p for p in found)
    assert any("recorded_as: mom-thr: unknown procedure knee" in p for p in found)
    assert any("unknown source nowhere" in p for p in found)


def test_a_default_with_a_group_or_without_bloods_and_a_repeated_code_are_refused(data):  # noqa: F811
    table = data / "surveillance.yaml"
    edit(table, lambda c: c["default"].update(when={"sex": "male"}))
    assert any("default: applies to every hip" in p for p in problems(data))
    edit(table, lambda c: c["default"].update(when={}, blood_metals=False))
    assert any("takes blood metal levels" in p for p in problems(data))
    edit(table, lambda c: c["default"].update(blood_metals=True))
    edit(table, lambda c: c["rules"][1].update(code=c["rules"][0]["code"]))
    assert any("appears twice" in p for p in problems(data))


def test_an_interval_out_of_range_is_refused(data):  # noqa: F811
    edit(data / "surveillance.yaml", lambda c: c["rules"][0].update(interval_days=5000))
    assert any("interval_days" in p for p in problems(data))

"""The catalogue is validated strictly, and every problem is reported at once."""

import json
import shutil
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from coxa.catalogue.checks import check_catalogue
from coxa.catalogue.loader import CatalogueError, get_catalogue, load_catalogue, packaged_data
from coxa.catalogue.management.commands.catalogue import catalogue_json_schema

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def data(tmp_path):
    copy = tmp_path / "data"
    shutil.copytree(str(packaged_data()), copy)
    return copy


def edit(path, change):
    content = yaml.safe_load(path.read_text())
    change(content)
    path.write_text(yaml.safe_dump(content, sort_keys=False))


def problems(root):
    with pytest.raises(CatalogueError) as error:
        load_catalogue(root)
    return error.value.problems


def test_the_shipped_catalogue_is_valid():
    catalogue = get_catalogue()
    assert set(catalogue.procedures) == {"bhr", "core-decompression", "total-hip-replacement"}
    assert len(catalogue.content_hash) == 64
    assert check_catalogue() == []


def test_every_threshold_cites_published_sources_not_only_local_policy():
    catalogue = get_catalogue()
    for key, threshold in catalogue.thresholds.items():
        confidences = {catalogue.sources[s].confidence for s in threshold.sources}
        assert confidences & {"H", "M"}, key


def test_unknown_keys_bad_references_and_broken_invariants_are_all_reported(data):
    edit(data / "procedures" / "total-hip-replacement.yaml", lambda c: c.update(colour="blue"))
    edit(data / "procedures" / "bhr.yaml", lambda c: c.update(converts_to="knee-replacement"))
    edit(
        data / "procedures" / "bhr.yaml", lambda c: c["recovery"]["phases"][1].update(start_day=7)
    )  # cane before crutches end
    edit(
        data / "procedures" / "core-decompression.yaml",
        lambda c: c["risks"][0].update(sources=["a-made-up-paper"]),
    )
    edit(data / "catalogue.yaml", lambda c: c["thresholds"].pop("bmi-postpone"))
    found = "\n".join(problems(data))
    assert "total-hip-replacement.yaml: colour: Extra inputs are not permitted" in found
    assert "unknown procedure knee-replacement" in found
    assert "recovery.phases.cane: starts on day 7, before the previous phase ends (day 14)" in found
    assert "unknown source a-made-up-paper" in found
    assert "bmi-postpone is missing" in found


def test_thresholds_must_keep_their_order(data):
    edit(
        data / "catalogue.yaml",
        lambda c: c["thresholds"]["kerboul-low-risk-at-or-below"].update(value=250),
    )
    assert any("kerboul-low-risk-at-or-below must be below" in p for p in problems(data))


def test_a_metal_on_metal_hip_needs_a_surveillance_plan(data):
    edit(data / "procedures" / "bhr.yaml", lambda c: c.pop("surveillance"))
    assert any("surveillance: required for metal-on-metal" in p for p in problems(data))


def test_every_procedure_has_an_imaging_requirement_so_imaging_expires(data):
    # Issue 10: core decompression had no "hip-imaging" requirement, so its imaging never
    # expired. Every fact the rules read must take its validity from a requirement.
    edit(
        data / "procedures" / "core-decompression.yaml",
        lambda c: c.update(requirements=[r for r in c["requirements"] if r["code"] != "hip-mri"]),
    )
    edit(
        data / "procedures" / "bhr.yaml",
        lambda c: c.update(
            requirements=[r for r in c["requirements"] if r["code"] != "medication-review"]
        ),
    )
    found = "\n".join(problems(data))
    assert "core-decompression.yaml: requirements: needs one of hip-imaging, hip-mri" in found
    assert "bhr.yaml: requirements: medication-review is missing" in found


def test_the_cup_chart_and_medicine_policies_are_checked(data):
    def bad(content):
        content["settings"]["bhr_cups_for_head_mm"].append({"head": 70, "cups": [40]})
        content["medication_stops"][0]["atc"] = ["B01AA03"]  # warfarin is no antiplatelet

    edit(data / "catalogue.yaml", bad)
    found = "\n".join(problems(data))
    assert "head 70 mm is not a stocked femoral size" in found
    assert "cup 40 mm (head 70) is not a stocked acetabular size" in found
    assert "B01AA03 (Warfarin) is vitamin-k-antagonist, not antiplatelet" in found


def test_codes_and_units_are_those_of_coxas_terminology(data):
    def bad(content):
        content["thresholds"]["bmi-postpone"]["unit"] = "kg/m^2"  # not UCUM
        content["thresholds"]["hba1c-proceed-below"]["unit"] = "%"  # UCUM, but not as stored
        aspirin = next(m for m in content["medicines"] if m["atc"] == "B01AC06")
        aspirin["drug_class"] = "nsaid"

    def miscoded(content):
        content["codings"][0].update(display="Hip replacement")

    edit(data / "catalogue.yaml", bad)
    edit(data / "procedures" / "total-hip-replacement.yaml", miscoded)
    edit(
        data / "procedures" / "bhr.yaml",
        lambda c: c["codings"].append(
            {"system": "http://snomed.info/sct", "code": "52734007", "display": "Total "
             "replacement of hip", "sources": ["y2-snomed-thr"]}
        ),
    )  # fmt: skip
    found = "\n".join(problems(data))
    assert "bmi-postpone: 'kg/m^2' is not a UCUM unit Coxa knows" in found
    assert "hba1c-proceed-below: '%' is not hba1c's unit 'mmol/mol'" in found
    assert "B01AC06 (Aspirin) is in the ATC group of antiplatelet medicines, not nsaid" in found
    assert "total-hip-replacement.yaml: codings: 52734007 is displayed 'Total replacement" in found
    assert "bhr.yaml: codings: 52734007 (http://snomed.info/sct) is not this procedure's" in found


def test_types_are_strict(data):
    edit(data / "catalogue.yaml", lambda c: c["thresholds"]["bmi-postpone"].update(value="40"))
    assert any("bmi-postpone.value" in p for p in problems(data))


def test_invalid_yaml_is_reported_with_its_file(data):
    (data / "procedures" / "bhr.yaml").write_text("code: [unclosed")
    assert any(p.startswith("bhr.yaml: not valid YAML") for p in problems(data))


def test_the_command_validates_and_shows(data):
    out = StringIO()
    call_command("catalogue", "validate", stdout=out)
    assert "is valid: 3 procedures" in out.getvalue()
    out = StringIO()
    call_command("catalogue", "show", "core-decompression", stdout=out)
    assert json.loads(out.getvalue())["recovery"]["phases"][0]["end_day_max"] == 56
    edit(data / "procedures" / "bhr.yaml", lambda c: c.update(colour="blue"))
    with pytest.raises(CommandError, match="colour"):
        call_command("catalogue", "validate", "--path", str(data))
    with pytest.raises(CommandError, match="no procedure 'knee'"):
        call_command("catalogue", "show", "knee")


@pytest.mark.contract
def test_the_published_json_schema_is_current():
    committed = json.loads((ROOT / "docs" / "catalogue" / "schema.json").read_text())
    assert committed == catalogue_json_schema(), "run `make snapshots` and review the diff"


def test_a_licensed_instrument_with_wording_or_a_short_table_is_refused(data):
    def bad(content):
        ohs = next(i for i in content["instruments"] if i["code"] == "oxford-hip")
        ohs["items"][0] = {
            "code": "q1",
            "text": "Licensed words",
            "options": ohs["items"][0]["options"],
        }
        hoos = next(i for i in content["instruments"] if i["code"] == "hoos-jr")
        hoos["scoring"]["table"] = hoos["scoring"]["table"][:-1]

    edit(data / "instruments.yaml", bad)
    found = "\n".join(problems(data))
    assert "a licensed instrument's wording is never shipped" in found
    assert "the table needs one score per raw sum 0 to 24" in found


def _twice(content):
    content["complications"].append(dict(content["complications"][2]))


def _no_other(content):
    for kind in content["complications"]:
        kind.pop("needs_words", None)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_twice, "a complication type appears twice"),
        (_no_other, "the list needs a type for anything else"),
    ],
)
def test_complication_types_are_distinct_and_keep_a_type_for_anything_else(data, change, message):
    edit(data / "complications.yaml", change)
    assert message in "\n".join(problems(data))


def test_complication_types_name_known_procedures_and_sources(data):
    def bad(content):
        content["complications"][0]["sources"] = ["no-such-source"]
        content["complications"][1]["procedures"] = ["knee-replacement"]

    edit(data / "complications.yaml", bad)
    found = "\n".join(problems(data))
    assert "unknown source no-such-source" in found
    assert "complications.yaml: deep-infection: unknown procedure knee-replacement" in found


def test_the_catalogue_is_read_with_a_safe_loader_only():
    """The C loader when PyYAML has it (eight times faster), never one that builds objects."""
    import yaml

    from coxa.catalogue import loader

    assert loader.SAFE_LOADER in {getattr(yaml, "CSafeLoader", None), yaml.SafeLoader}
    assert not issubclass(loader.SAFE_LOADER, yaml.FullLoader | yaml.UnsafeLoader)
    with pytest.raises(yaml.YAMLError):
        yaml.load("!!python/object/apply:os.system ['true']", Loader=loader.SAFE_LOADER)  # noqa: S506, TID251

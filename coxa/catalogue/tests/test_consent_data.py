"""What consent reads from the catalogue: risks with sourced figures, alternatives, versions."""

from coxa.catalogue.loader import get_catalogue, load_catalogue
from coxa.catalogue.tests.test_loader import data, edit, problems

__all__ = ["data"]


def test_every_frequency_cites_a_published_source_never_only_local_policy():
    catalogue = get_catalogue()
    for procedure in catalogue.procedures.values():
        for risk in procedure.risks:
            if risk.frequency is not None:
                confidences = {catalogue.sources[s].confidence for s in risk.frequency.sources}
                assert confidences <= {"H", "M"}, (procedure.code, risk.code)
                assert risk.frequency.text.strip(), (procedure.code, risk.code)


def test_each_procedure_has_material_risks_a_no_operation_choice_and_an_information_version():
    for procedure in get_catalogue().procedures.values():
        assert procedure.material_risks, procedure.code
        assert any(a.procedure is None and a.must_discuss for a in procedure.alternatives)
        assert procedure.patient_information.version


def test_core_decompression_is_offered_as_an_alternative_only_where_it_may_apply():
    catalogue = get_catalogue()
    offering = {
        code
        for code, p in catalogue.procedures.items()
        if any(a.procedure == "core-decompression" for a in p.alternatives)
    }
    assert offering == {"total-hip-replacement"}
    choice = next(
        a
        for a in catalogue.procedures["total-hip-replacement"].alternatives
        if a.procedure == "core-decompression"
    )
    assert not choice.must_discuss
    assert "before the joint surface has collapsed" in choice.text


def test_the_restricted_head_size_risk_goes_with_downsizing_and_only_with_it(data):
    procedures = load_catalogue(data).procedures
    assert [r.code for r in procedures["bhr"].risks if r.discussed != "always"] == [
        "restricted-head-size"
    ]
    edit(
        data / "procedures" / "bhr.yaml",
        lambda c: c.update(risks=[r for r in c["risks"] if r["code"] != "restricted-head-size"]),
    )
    edit(
        data / "procedures" / "total-hip-replacement.yaml",
        lambda c: c["risks"].append(
            {
                "code": "small-head",
                "title": "Small head",
                "discussed": "restricted-head-size",
                "sources": ["bhr-page"],
            }
        ),
    )
    found = problems(data)
    assert sum("restricted head size's risk" in p for p in found) == 2


def test_alternatives_name_known_procedures_never_themselves_and_never_twice(data):
    def broken(content):
        content["alternatives"].append(dict(content["alternatives"][0]))
        content["alternatives"][1]["procedure"] = "knee-replacement"

    edit(data / "procedures" / "bhr.yaml", broken)
    edit(
        data / "procedures" / "core-decompression.yaml",
        lambda c: c["alternatives"][1].update(procedure="core-decompression"),
    )
    edit(
        data / "procedures" / "total-hip-replacement.yaml",
        lambda c: c["alternatives"][0].update(must_discuss=False),
    )
    found = "\n".join(problems(data))
    assert "an alternative appears twice" in found
    assert "a procedure is no alternative to itself" in found
    assert "non-operative care" in found


def test_an_unknown_alternative_procedure_is_named(data):
    edit(
        data / "procedures" / "bhr.yaml",
        lambda c: c["alternatives"][1].update(procedure="knee-replacement"),
    )
    assert any(
        "alternatives.total-hip-replacement: unknown procedure knee-replacement" in p
        for p in problems(data)
    )


def test_a_frequency_needs_its_sources_and_a_version_its_form(data):
    edit(
        data / "procedures" / "bhr.yaml",
        lambda c: c["risks"][0].update(frequency={"text": "About 1 in 100"}),
    )
    edit(
        data / "procedures" / "core-decompression.yaml",
        lambda c: c["patient_information"].update(version="latest"),
    )
    found = "\n".join(problems(data))
    assert "risks.0.frequency.sources" in found
    assert "patient_information.version" in found

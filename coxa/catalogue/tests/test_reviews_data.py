"""reviews.yaml: what a follow-up review records, checked at load like the rest."""

from coxa.catalogue.loader import get_catalogue
from coxa.catalogue.tests.test_loader import data, edit, problems  # noqa: F401 - the fixture


def test_every_procedure_has_its_x_ray_findings_each_sourced():
    catalogue = get_catalogue()
    reviews = catalogue.reviews
    assert set(reviews.findings) == set(catalogue.procedures)
    codes = {p: [f.code for f in reviews.findings_for(p)] for p in catalogue.procedures}
    assert codes == {
        "core-decompression": ["avn-stage", "head-collapse"],
        "bhr": ["component-position", "neck-narrowing", "radiolucency"],
        "total-hip-replacement": ["loosening", "osteolysis"],
    }
    for findings in reviews.findings.values():
        for finding in findings:
            assert finding.sources
            assert all(s in catalogue.sources for s in finding.sources)


def test_not_assessed_is_never_a_listed_answer(data):  # noqa: F811
    def bad(content):
        content["findings"]["bhr"][0]["options"]["options"].append(
            {"code": "not-assessed", "text": "Normal"}
        )
        content["findings"]["core-decompression"][1]["sources"] = ["made-up-source"]
        content["walking_aids"]["options"].append(content["walking_aids"]["options"][0])

    edit(data / "reviews.yaml", bad)
    found = "\n".join(problems(data))
    assert "not-assessed is every finding's own answer, not an option" in found
    assert "unknown source made-up-source" in found
    assert "an option appears twice" in found


def test_findings_of_an_unknown_procedure_are_refused(data):  # noqa: F811
    def bad(content):
        content["findings"]["hip-arthroscopy"] = content["findings"]["total-hip-replacement"]

    edit(data / "reviews.yaml", bad)
    assert "reviews.yaml: findings: unknown procedure hip-arthroscopy" in problems(data)

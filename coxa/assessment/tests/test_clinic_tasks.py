"""The clinic as tasks: a summary first, a section a kind of record, words and not codes."""

import re
from html.parser import HTMLParser

import pytest

from coxa.assessment.domain.entries import SCHEMAS, Kind
from coxa.assessment.domain.labels import unit_symbol, words
from coxa.assessment.models import Observation
from coxa.assessment.services.entries import record_entries
from coxa.assessment.tests.test_clinic import record, today
from coxa.core.audit import Via
from coxa.core.words import short_date
from tests.journeys import pre_assessment

pytestmark = pytest.mark.django_db


def _page(client, episode):
    response = client.get(f"/staff/episodes/{episode.public_id}/clinic/")
    assert response.status_code == 200
    return response.content.decode()


def _section(page: str, key: str) -> str:
    start = page.index(f'id="section-{key}"')
    begin = page.rindex("<details", 0, start)
    ends = [
        i
        for i in (page.find('<details class="part"', start), page.find("</section>", start))
        if i > 0
    ]
    return page[begin : min(ends)]


def _opening(page: str, key: str) -> str:
    start = page.index(f'id="section-{key}"')
    return page[page.rindex("<details", 0, start) : page.index(">", start)]


class _Visible(HTMLParser):
    """The text a person reads: no attributes, no scripts, no csrf token or hidden input."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)


def visible(page: str) -> str:
    parser = _Visible()
    parser.feed(page)
    return " ".join(parser.text)


def test_the_summary_shows_the_latest_reading_in_words(web_as, nurse, listed):
    day = today()
    for code, value in (("systolic_bp", 138), ("diastolic_bp", 84)):
        record(
            Kind.OBSERVATION, listed, nurse, code=code, value=value, unit="mmHg", observed_on=day
        )
    record(
        Kind.OBSERVATION,
        listed,
        nurse,
        code="egfr",
        value=85,
        unit="mL/min/1.73m2",
        observed_on=day,
    )
    page = _page(web_as(nurse), listed)
    observations = _section(page, "observations")
    assert f"Blood pressure 138/84 mmHg, {short_date(day)}" in observations
    summary = observations.split("</summary>")[0]
    assert "Blood pressure 138/84 mmHg" in summary  # on the closed section's line
    assert f"eGFR 85 mL/min/1.73 m², {short_date(day)}" in _section(page, "blood-tests")
    assert "Not recorded" in _section(page, "asa").split("</summary>")[0]


def test_a_missing_kind_opens_and_a_recorded_one_stays_closed(web_as, nurse, listed):
    day = today()
    record(Kind.SMOKING, listed, nurse, status="never", recorded_on=day)
    page = _page(web_as(nurse), listed)
    assert " open" in _opening(page, "observations")  # blood pressure and BMI are missing
    assert " open" not in _opening(page, "smoking")  # met
    assert " open" not in _opening(page, "asa")  # no requirement asks for it
    smoking = _section(page, "smoking").split("</summary>")[0]
    assert "✓ Met" in smoking
    assert "✗ Missing" in _section(page, "observations").split("</summary>")[0]
    assert 'data-need="blood-pressure"' in page  # the summary lists what is wanting


def test_the_unit_is_a_choice_of_the_accepted_units_with_the_usual_one_chosen(
    web_as, nurse, listed
):
    page = _page(web_as(nurse), listed)
    select = re.search(
        r'<select name="unit" id="id_observation_haemoglobin_unit">(.*?)</select>', page, re.S
    )
    assert select is not None, "no unit choice for haemoglobin"
    options = re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select.group(1))
    assert options == [("g/L", " selected", "g/L"), ("g/dL", "", "g/dL")]
    egfr = re.search(r'id="id_observation_egfr_unit">\s*<option value="([^"]+)" selected>', page)
    assert egfr is not None
    assert (egfr.group(1), unit_symbol(egfr.group(1))) == ("mL/min/{1.73_m2}", "mL/min/1.73 m²")
    assert 'name="unit" type="text"' not in page
    assert 'type="text" name="unit"' not in page
    assert f'name="observed_on" value="{today():%Y-%m-%d}"' in page  # today by default


def test_a_common_spelling_is_stored_as_ucum(web_as, nurse, listed):
    response = web_as(nurse).post(
        f"/staff/episodes/{listed.public_id}/clinic/observation/",
        {"code": "systolic_bp", "value": "138", "unit": "mmHg", "observed_on": str(today())},
    )
    assert response.status_code == 302
    assert response.url.endswith("#section-observations")
    stored = Observation.objects.get(code="systolic_bp")
    assert (stored.value, stored.unit, stored.unit_as_recorded) == (138, "mm[Hg]", "mm[Hg]")


def test_a_unit_the_measurement_does_not_take_is_refused_on_the_unit(web_as, nurse, listed):
    response = web_as(nurse).post(
        f"/staff/episodes/{listed.public_id}/clinic/observation/",
        {"code": "systolic_bp", "value": "138", "unit": "g/L", "observed_on": str(today())},
    )
    assert response.status_code == 400
    assert "unit" in response.context["sections"][0].forms[0][1].errors
    assert not Observation.objects.exists()


def test_a_bad_value_reopens_its_section_keeping_the_value_and_naming_the_field(
    web_as, nurse, listed
):
    record(Kind.SMOKING, listed, nurse, status="never", recorded_on=today())
    response = web_as(nurse).post(
        f"/staff/episodes/{listed.public_id}/clinic/observation/",
        {"code": "haemoglobin", "value": "300", "unit": "g/L", "observed_on": str(today())},
    )
    assert response.status_code == 400
    page = response.content.decode()
    bloods = _section(page, "blood-tests")
    assert " open" in _opening(page, "blood-tests")
    body = bloods.split("</summary>", 1)[1]
    assert body.lstrip().startswith('<div class="part-body">')
    assert (
        body.split('<div class="part-body">', 1)[1]
        .lstrip()
        .startswith('<div class="error-summary"')
    )  # the error summary at the section's top
    assert 'value="300"' in bloods
    assert "Haemoglobin:" in bloods  # the error names the field in words
    assert "outside the plausible range" in bloods
    assert "haemoglobin:" not in visible(bloods)
    assert " open" not in _opening(page, "smoking")
    assert not Observation.objects.exists()


def test_a_date_in_the_future_is_said_in_words(web_as, nurse, listed):
    import datetime as dt

    response = web_as(nurse).post(
        f"/staff/episodes/{listed.public_id}/clinic/smoking/",
        {"status": "never", "recorded_on": str(today() + dt.timedelta(days=3))},
    )
    assert response.status_code == 400
    text = visible(_section(response.content.decode(), "smoking"))
    assert "Day recorded" in text
    assert "recorded_on" not in text


def test_the_page_shows_no_raw_code_for_any_kind(web_as, nurse, surgeon, listed):
    day = today()
    entries = [(Kind(kind), payload) for kind, payload in pre_assessment(listed, day)]
    entries += [
        (Kind.ASA, {"grade": "II", "assessed_on": day}),
        (
            Kind.ANAESTHETIC,
            {
                "options_discussed": ("general", "spinal"),
                "preference": "spinal",
                "discussed_on": day,
            },
        ),
        (Kind.ALLERGY, {"substance": "Penicillin", "reaction": "rash", "recorded_on": day}),
        (
            Kind.MEDICATION,
            {
                "name": "Aspirin 75 mg",
                "class": "antiplatelet",
                "atc": "B01AC06",
                "recorded_on": day,
            },
        ),
        (Kind.ACTION, {"action": "refer-gp-blood-pressure", "taken_on": day}),
        (Kind.OBSERVATION, {"code": "hba1c", "value": 42, "unit": "mmol/mol", "observed_on": day}),
        (Kind.OBSERVATION, {"code": "height", "value": 172, "unit": "cm", "observed_on": day}),
        (Kind.OBSERVATION, {"code": "weight", "value": 80, "unit": "kg", "observed_on": day}),
    ]
    record_entries(episode=listed, entries=entries, by=surgeon, via=Via.WEB)
    record(
        Kind.MEDICINE_PLAN,
        listed,
        surgeon,
        medicine="Aspirin 75 mg",
        action="continue",
        decided_on=day,
    )
    text = visible(_page(web_as(surgeon), listed))
    codes = {k.value for k in Kind if "-" in k.value or k.value != words(k.value).lower()}
    codes |= {name for schema in SCHEMAS.values() for name in schema.model_fields if "_" in name}
    codes |= {"systolic_bp", "diastolic_bp", "hba1c", "egfr", "mm[Hg]", "{1.73_m2}"}
    found = sorted(c for c in codes if re.search(rf"(?<![\w-]){re.escape(c)}(?![\w-])", text))
    assert found == []
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text)
    for raw in ("Systolic_bp", "Hba1c", "Asa recorded", "Ii/Iii", "None", "source-page"):
        assert raw not in text
    assert not re.search(r"\((nsaid|hrt|sglt2 inhibitor)\)", text)
    for words_shown in ("Systolic blood pressure", "HbA1c", "ASA II", "✓ Met", "(NSAID)"):
        assert words_shown in text


def test_only_forms_the_role_may_use_are_offered(web_as, nurse, anaesthetist, physio, listed):
    page = _page(web_as(nurse), listed)
    assert "/clinic/medicine-plan/" not in page  # a clinician's decision
    assert 'value="haematology-plan"' not in page
    assert "/clinic/observation/" in page
    anaesthetist_page = _page(web_as(anaesthetist), listed)
    assert "/clinic/medicine-plan/" in anaesthetist_page
    assert "/clinic/operation-date/" not in anaesthetist_page  # not theirs to plan
    physio_page = _page(web_as(physio), listed)
    assert '<form method="post" action="/staff/episodes/' not in physio_page


def test_a_hip_closed_for_assessment_offers_only_the_patients_kinds(web_as, nurse, surgeon, bert):
    import datetime as dt

    from tests.journeys import walk_to

    episode = walk_to(
        "operated", patient=bert, by=surgeon, listed_on=today() - dt.timedelta(days=20)
    )
    page = _page(web_as(nurse), episode)
    assert "/clinic/observation/" in page  # the patient's
    assert "/clinic/imaging/" not in page  # this hip's, refused after the operation


def test_every_kind_field_and_unit_has_its_words():
    from coxa.assessment.domain.labels import FIELD_LABELS, KIND_TITLES, UNIT_SYMBOLS
    from coxa.terminology.units import MEASUREMENTS

    assert set(KIND_TITLES) == set(Kind)
    fields = {name for schema in SCHEMAS.values() for name in schema.model_fields}
    assert fields - set(FIELD_LABELS) <= {"atc", "substance_code"}  # their own fields' labels
    units = {u for m in MEASUREMENTS.values() for u in m.accepted}
    assert units <= set(UNIT_SYMBOLS)
    assert words("stroke-or-tia") == "Stroke or TIA"
    assert words("II") == "II"
    assert unit_symbol("mm[Hg]") == "mmHg"

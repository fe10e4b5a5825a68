"""The public site: a page per operation drawn from the catalogue, and the front page (J1).

The pages must say what the decision engine says (hazard H77): every restriction it applies,
in plain words, with the engine's own numbers; the recovery timeline is the plan the surgery
app gives a real patient.
"""

import datetime as dt
import re

import pytest
import textstat
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

from coxa.catalogue.loader import get_catalogue
from coxa.catalogue.registry import all_procedures, get_procedure, procedure_codes
from coxa.catalogue.tests.test_loader import data, edit, problems
from coxa.portal.views.public import after, medicine_words, plain_title, timeline, weeks
from coxa.surgery.domain.plan import generate
from coxa.surveillance.domain.advice import SYMPTOMS
from tests.words import crawl

__all__ = ["data"]

pytestmark = pytest.mark.django_db
CODES = procedure_codes()
SECTIONS = ("who", "preparing", "the-day", "recovery", "risks", "help", "ask")

# Reading ease (Flesch, 0 to 100: higher is easier). 60 is the floor of "plain English" on
# Flesch's scale (60 to 70: most readers aged 13 to 15 follow it) and a Flesch-Kincaid grade
# of 8 about the same; the NHS asks for patient information near that or easier. The pages
# scored 74 to 77 (grade about 6) when written, so there is room for the medical words no
# page can avoid (anaesthetic, physiotherapy). Each part of the catalogue's patient text is
# held to the same floor on its own, so an edit that makes one part hard fails here even when
# the rest of the page would carry it.
EASE_AT_LEAST = 60
GRADE_AT_MOST = 8
# The catalogue's patient text, part by part (the lists are read joined).
TEXTS = (
    "overview",
    "suits",
    "preparation",
    "operation",
    "going_home",
    "recovery",
    "risks",
    "outcomes",
)


def page(code: str, client: Client | None = None) -> str:
    response = (client or Client()).get(reverse("procedure", args=[code]))
    assert response.status_code == 200, code
    return response.content.decode()


def article(html: str) -> str:
    """What a person reads of the procedure itself (the site's header and footer left out)."""
    found = re.search(r"<article\b.*?</article>", html, re.S)
    assert found is not None
    return crawl.visible_text(found.group())


def shown(html: str, section: str) -> str:
    """The text of one section of a procedure page, up to the next one."""
    marker = html.index(f'data-section="{section}"')
    start = html.rindex("<", 0, marker)
    following = html.find('data-section="', marker + 1)
    end = html.rindex("<", 0, following) if following != -1 else html.index("</article>")
    return crawl.visible_text(html[start:end])


# ---------------------------------------------------------------- every page, for anyone
def test_the_catalogue_has_the_three_operations_the_site_explains():
    assert set(CODES) == {"bhr", "core-decompression", "total-hip-replacement"}


@pytest.mark.parametrize("code", CODES)
def test_each_operation_has_a_page_anyone_may_read_with_every_section(code):
    html = page(code)
    procedure = get_procedure(code)
    assert procedure is not None
    assert f"<h1>{plain_title(procedure.title)}</h1>" in html
    for section in SECTIONS:
        assert f'data-section="{section}"' in html, section
    assert re.search(r'data-testid="not-advice">.*It is not medical advice', html)
    assert f'href="{reverse("enquiries:request")}"' in html
    text = article(html)
    assert procedure.patient_information.overview in text
    assert procedure.patient_information.operation in text


@pytest.mark.parametrize("code", CODES)
def test_signed_in_people_read_the_same_page(code, web_as, surgeon, ada_user):
    for user in (surgeon, ada_user):
        assert article(page(code, web_as(user))) == article(page(code))


def test_an_operation_the_catalogue_does_not_have_is_not_found():
    client = Client()
    assert client.get("/procedures/hip-transplant/").status_code == 404
    assert client.get("/procedures/BHR/").status_code == 404


def test_the_list_of_operations_links_each_page():
    html = Client().get(reverse("procedures")).content.decode()
    for procedure in all_procedures():
        assert f'href="{reverse("procedure", args=[procedure.code])}"' in html
        assert procedure.title in html


# ---------------------------------------------------------------- who it suits (H77)
@pytest.mark.parametrize("code", CODES)
def test_every_indication_contraindication_and_caution_is_on_the_page_in_plain_words(code):
    procedure = get_procedure(code)
    assert procedure is not None
    info = procedure.patient_information
    who = shown(page(code), "who")
    for statement in procedure.indications:
        assert info.suits_when[statement.code] in who, statement.code
    for statement in procedure.contraindications:
        assert info.not_for[statement.code] in who, statement.code
    for statement in procedure.cautions:
        assert info.weighed[statement.code] in who, statement.code


def test_resurfacing_says_it_is_not_for_women_nor_small_heads_with_the_engines_sizes():
    thresholds = get_catalogue().thresholds
    who = shown(page("bhr"), "who")
    assert "Resurfacing is no longer used for women" in who
    for key in (
        "bhr-head-contraindicated-at-or-below",
        "bhr-head-downsizing-only",
        "bhr-head-downsizing-from",
    ):
        assert f"{thresholds[key].value:g} mm" in who, key


def test_core_decompression_says_it_is_only_before_the_head_collapses():
    who = shown(page("core-decompression"), "who")
    assert "has not yet collapsed" in who
    assert "already collapsed" in who
    assert "hip replacement is the answer" in who


def test_a_restriction_or_a_check_without_plain_words_is_refused(data):
    edit(
        data / "procedures" / "bhr.yaml",
        lambda c: c["patient_information"]["not_for"].pop("female"),
    )
    edit(
        data / "procedures" / "core-decompression.yaml",
        lambda c: c["patient_information"]["checks"].pop("hip-mri"),
    )
    found = "\n".join(problems(data))
    assert "not_for: no plain words for ['female']" in found
    assert "checks: no plain words for ['hip-mri']" in found


# ---------------------------------------------------------------- getting ready
@pytest.mark.parametrize("code", CODES)
def test_getting_ready_gives_the_engines_limits_for_weight_and_smoking(code):
    thresholds = get_catalogue().thresholds
    html = page(code)
    preparing = shown(html, "preparing")
    bmi = thresholds["bmi-postpone"].value
    assert f"BMI) is {bmi:g} or more, the operation is put off" in preparing
    assert f"stop at least {thresholds['smoking-stop-weeks'].value:g} weeks before" in preparing
    procedure = get_procedure(code)
    assert procedure is not None
    for requirement in procedure.requirements:
        assert procedure.patient_information.checks[requirement.code] in preparing
    assert "Never stop a medicine on your own" in preparing


def _with_policy(policy: str):
    catalogue = get_catalogue()
    settings_ = catalogue.settings.model_copy(update={"medication_stop_policy": policy})
    return catalogue.model_copy(update={"settings": settings_})


def test_the_medicines_a_team_may_stop_follow_the_services_policy():
    catalogue = get_catalogue()
    bhr, cd = catalogue.procedures["bhr"], catalogue.procedures["core-decompression"]
    assert catalogue.settings.medication_stop_policy == "source-page"
    words = medicine_words(catalogue, bhr)
    # The medicines the policy names for resurfacing (by code), said as what may happen.
    assert words.may_stop == (
        "Your team may ask some people to stop aspirin or anti-inflammatory painkillers such "
        "as ibuprofen or naproxen (not steroid tablets) some days before the operation. Your "
        "letter gives your own dates."
    )
    # Both sources are shown, each cited, the service's first (DESIGN J4).
    source_page, guidance = words.guidance
    assert source_page.followed
    assert not guidance.followed
    assert "advises stopping aspirin" in source_page.text
    assert "10 days before" in source_page.text
    assert [s.id for s in source_page.sources] == ["bhr-page"]
    assert "keep taking aspirin" in guidance.text
    assert [s.id for s in guidance.sources] == ["accp-2022"]
    # The source page speaks for resurfacing only: nothing is said to stop for the others.
    assert medicine_words(catalogue, cd).may_stop == ""
    assert medicine_words(catalogue, cd).guidance == ()
    # A service that follows current guidance tells no one the team may stop aspirin, and
    # still shows what the source page said, as the advice it does not start from.
    current = medicine_words(_with_policy("current-guidance"), bhr)
    assert current.may_stop == ""
    assert [(c.sources[0].id, c.followed) for c in current.guidance] == [
        ("accp-2022", True),
        ("bhr-page", False),
    ]


def test_the_page_warns_before_it_says_a_medicine_may_stop():
    preparing = " ".join(shown(page("bhr"), "preparing").split())
    warning = preparing.index("Never stop a medicine on your own")
    assert warning < preparing.index("Your team may ask some people to stop aspirin")
    assert warning < preparing.index("advises stopping aspirin")
    for needed in ("a stent", "heart attack", "stroke", "narrowed arteries in your legs"):
        assert needed in preparing[warning:], needed
    assert "do not know why you take it" in preparing
    assert "Source: The patient information page on Birmingham Hip Resurfacing" in preparing
    assert "Source: Douketis et al." in preparing


def sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?:;])\s+", " ".join(text.split())) if s]


def test_no_public_page_tells_a_reader_to_stop_a_medicine():
    """No sentence is an order to stop aspirin or an anti-inflammatory (clinical review)."""
    client = Client()
    urls = ["/", reverse("procedures"), *(reverse("procedure", args=[c]) for c in CODES)]
    orders = [
        (url, said)
        for url in urls
        for said in sentences(crawl.visible_text(client.get(url).content.decode()))
        if re.match(r"(?i)(please )?stop\b", said)
        and re.search(r"(?i)aspirin|anti-?inflammator|ibuprofen|naproxen|blood thinner", said)
    ]
    assert orders == []


def test_the_order_test_would_catch_the_old_words():
    said = sentences("Bring a list. Stop aspirin 10 days before the operation.")
    assert any(re.match(r"(?i)(please )?stop\b", s) and "aspirin" in s for s in said)


def test_the_day_of_the_operation_names_each_anaesthetic_and_x_rays_where_used():
    cd = shown(page("core-decompression"), "the-day")
    assert "A general anaesthetic" in cd
    assert "A spinal anaesthetic" in cd
    assert "You and your consultant choose" in cd
    assert "X-rays guide the surgeon" in cd
    assert "X-rays guide the surgeon" not in shown(page("bhr"), "the-day")


# ---------------------------------------------------------------- the recovery timeline
def drawn(html: str) -> list[tuple[str, int, int | None]]:
    items = re.findall(
        r'<li class="moment moment-(\w+)" data-first-day="(\d+)"(?: data-last-day="(\d+)")?',
        html,
    )
    return [(kind, int(first), int(last) if last else None) for kind, first, last in items]


@pytest.mark.parametrize("code", CODES)
def test_the_timeline_is_the_plan_the_surgery_app_gives_a_patient(code):
    procedure = get_procedure(code)
    assert procedure is not None
    operation_on = dt.date(2027, 3, 17)  # another day than the page's: days count the same
    plan = generate(procedure, operation_on)
    expected = [("operation", 0, None)]
    expected += [
        ("phase", (p.starts_on - operation_on).days, (p.latest_end - operation_on).days)
        for p in plan.phases
    ]
    expected += [("appointment", (a.due_on - operation_on).days, None) for a in plan.appointments]
    found = drawn(page(code))
    assert sorted(found) == sorted(expected)
    assert [day for _, day, _ in found] == sorted(day for _, day, _ in found)  # in order


def test_the_timeline_says_the_weeks_in_words():
    bhr = shown(page("bhr"), "recovery")
    assert "Weeks 1 to 2 Walking with crutches" in " ".join(bhr.split())
    assert "Weeks 3 to 6 Using a walking stick" in " ".join(bhr.split())
    assert "Week 6 Six-week review" in " ".join(bhr.split())
    cd = " ".join(shown(page("core-decompression"), "recovery").split())
    assert "Weeks 1 to 4, or up to week 8 Keep weight off the leg, on crutches" in cd
    assert "Your surgeon decides at the operation how long this lasts" in cd
    assert "About 3 months Review with X-ray for collapse" in cd
    thr = shown(page("total-hip-replacement"), "recovery")
    assert "how long to use a walking aid" in thr


def test_days_after_the_operation_in_words():
    assert after(0) == "The day of the operation"
    assert [after(d) for d in (1, 7, 8, 12, 14, 42)] == [
        "Week 1",
        "Week 1",
        "Week 2",
        "Week 2",
        "Week 2",
        "Week 6",
    ]
    assert after(90) == "About 3 months"
    assert after(182) == "About 6 months"
    assert after(365) == "1 year"
    assert after(730) == "2 years"
    assert weeks(0, 14, 14) == "Weeks 1 to 2"
    assert weeks(14, 42, 42) == "Weeks 3 to 6"
    assert weeks(0, 28, 56) == "Weeks 1 to 4, or up to week 8"
    assert weeks(0, 7, 7) == "Week 1"


def test_a_timeline_is_ordered_with_the_operation_first():
    procedure = get_procedure("bhr")
    assert procedure is not None
    moments = timeline(generate(procedure, dt.date(2026, 6, 1)))
    assert moments[0].kind == "operation"
    assert [m.first_day for m in moments] == sorted(m.first_day for m in moments)
    assert moments[0].duration == "P0D"


# ---------------------------------------------------------------- risks and getting help
@pytest.mark.parametrize("code", CODES)
def test_each_risk_says_how_often_or_that_it_is_not_known(code):
    procedure = get_procedure(code)
    assert procedure is not None
    risks = " ".join(shown(page(code), "risks").split())
    for risk in procedure.risks:
        said = risk.frequency.text if risk.frequency else "not known"
        assert f"{risk.title}. How often: {said}." in risks, risk.code


def test_the_risk_figures_give_the_registry_beside_the_designers_series():
    """Clinical review: revision is not only the designer's series (clinical-facts 6.4)."""
    procedures = get_catalogue().procedures
    bhr = {r.code: r for r in procedures["bhr"].risks}
    revision, small_head = bhr["revision"].frequency, bhr["restricted-head-size"].frequency
    assert revision is not None
    assert small_head is not None
    assert "98 in 100" in revision.text
    assert "3.7%" in revision.text
    assert "men under 65 with a head of 50 mm or more" in revision.text
    assert revision.sources == ("daniel-2014", "tga-aoanjrr-bhr-2016")
    assert "13.1%" in small_head.text
    assert small_head.sources == ("tga-aoanjrr-bhr-2016",)
    registry = get_catalogue().sources["tga-aoanjrr-bhr-2016"]
    assert registry.confidence == "H"
    assert "3.7%" in registry.title
    assert "13.1%" in registry.title
    # Core decompression: the fracture alone (11 of 555), not every complication (2.9%).
    fracture = next(
        r for r in procedures["core-decompression"].risks if r.code == "femoral-neck-fracture"
    )
    assert fracture.frequency is not None
    assert fracture.frequency.text.startswith("About 2 in 100 (11 of 555")
    assert "2.9%" not in fracture.frequency.text


def test_the_public_pages_use_no_clinic_words_a_reader_cannot_follow():
    client = Client()
    urls = ["/", reverse("procedures"), *(reverse("procedure", args=[c]) for c in CODES)]
    text = " ".join(crawl.visible_text(client.get(url).content.decode()) for url in urls)
    for jargon in (
        "claims study",
        "in theatre",
        "Fracture of the femoral neck",
        "Walking with a cane",
        "never used for",
        "when we are closed",
    ):
        assert jargon not in text, jargon
    assert "walking stick" in text


def test_the_femoral_head_is_explained_where_the_name_is_first_shown():
    said = "Core decompression of the femoral head (the ball of the hip)"
    assert said in crawl.visible_text(Client().get("/").content.decode())
    assert said in crawl.visible_text(Client().get(reverse("procedures")).content.decode())
    assert f"<h1>{said}</h1>" in page("core-decompression")
    assert plain_title("Birmingham Hip Resurfacing") == "Birmingham Hip Resurfacing"


def test_an_operation_with_no_contraindication_does_not_say_it_suits_everyone():
    who = shown(page("total-hip-replacement"), "who")
    assert "It is not used for" not in who
    assert "Your surgeon will talk with you about whether it is right for you" in who


def test_a_metal_allergy_is_for_the_surgeon_to_check():
    who = shown(page("bhr"), "who")
    assert "cobalt, chromium or nickel" in who
    assert "your surgeon will check which metal it was" in who


def test_the_metal_on_metal_page_says_what_to_watch_for_in_the_surveillance_words():
    help_ = shown(page("bhr"), "help")
    assert "With a metal-on-metal hip" in help_
    for code in ("pain", "swelling", "clicking", "new-limp"):
        assert SYMPTOMS[code] in help_, code
    for code in ("core-decompression", "total-hip-replacement"):
        assert "With a metal-on-metal hip" not in shown(page(code), "help"), code


def test_the_consultation_form_says_it_is_not_for_urgent_problems_before_the_form():
    html = Client().get(reverse("enquiries:request")).content.decode()
    note = html.index('data-testid="not-urgent"')
    assert note < html.index("<form")
    assert "999" in crawl.visible_text(html[note : html.index("<form")])


@override_settings(CONTACT_WARD_PHONE="0121 496 0555", CONTACT_OFFICE_PHONE="0121 496 0556")
@pytest.mark.parametrize("code", CODES)
def test_when_to_get_help_gives_the_warning_signs_and_the_services_numbers(code):
    procedure = get_procedure(code)
    assert procedure is not None
    help_ = shown(page(code), "help")
    for sign in procedure.warning_signs:
        assert sign.text in help_, sign.code
    assert "0121 496 0555" in help_
    assert "0121 496 0556" in help_


# ---------------------------------------------------------------- the front page
@override_settings(CONTACT_WARD_PHONE="0121 496 0555", CONTACT_OFFICE_PHONE="0121 496 0556")
def test_the_front_page_links_each_operation_the_request_the_numbers_and_both_sign_ins():
    response = Client().get("/")
    assert response.status_code == 200
    html = response.content.decode()
    for procedure in all_procedures():
        assert f'href="{reverse("procedure", args=[procedure.code])}"' in html
    assert f'href="{reverse("enquiries:request")}"' in html
    assert 'href="tel:01214960555"' in html
    assert 'href="tel:01214960556"' in html
    assert f"{reverse('login')}?next={reverse('portal:home')}" in html
    assert f"{reverse('login')}?next={reverse('staff-home')}" in html
    assert "not medical advice" in html
    # No address of the service is put on the public site (J1).
    assert "mailto:" not in html
    assert settings.DEFAULT_FROM_EMAIL not in html


# ---------------------------------------------------------------- words a person reads
def _ease_and_grade(text: str) -> tuple[float, float]:
    return textstat.flesch_reading_ease(text), textstat.flesch_kincaid_grade(text)


@pytest.mark.parametrize("code", CODES)
def test_each_page_reads_as_plain_english(code):
    ease, grade = _ease_and_grade(article(page(code)))
    assert ease >= EASE_AT_LEAST, f"{code}: reading ease {ease:.0f}"
    assert grade <= GRADE_AT_MOST, f"{code}: grade {grade:.1f}"


@pytest.mark.parametrize("code", CODES)
def test_each_part_of_the_catalogues_patient_text_reads_as_plain_english(code):
    procedure = get_procedure(code)
    assert procedure is not None
    info = procedure.patient_information
    parts = {name: getattr(info, name) for name in TEXTS}
    parts |= {
        name: " ".join(getattr(info, name).values())
        for name in ("suits_when", "not_for", "weighed", "checks")
        if getattr(info, name)
    }
    hard = {
        name: round(ease)
        for name, text in parts.items()
        if (ease := _ease_and_grade(text)[0]) < EASE_AT_LEAST
    }
    assert hard == {}, f"{code}: parts below reading ease {EASE_AT_LEAST}: {hard}"


def test_the_readability_check_catches_a_hard_edit():
    hard = (
        "Osteonecrosis of the proximal femoral epiphysis, consequent upon interruption of "
        "intraosseous vascularity, necessitates subchondral decompression preceding "
        "articular collapse."
    )
    assert _ease_and_grade(hard)[0] < EASE_AT_LEAST


def test_the_public_pages_show_no_codes():
    reader = crawl.Reader(crawl.coxa_codes(), crawl.procedure_titles())
    client = Client()
    urls = ["/", reverse("procedures"), *(reverse("procedure", args=[c]) for c in CODES)]
    found = [
        str(f)
        for url in urls
        for f in reader.findings(url, crawl.visible_text(client.get(url).content.decode()))
    ]
    assert found == []

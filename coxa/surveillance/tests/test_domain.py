"""The pure surveillance rules: units, flags, the schedule's groups and boundaries, and the
review's recommendation. No database."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coxa.catalogue.loader import get_catalogue
from coxa.catalogue.schema_surveillance import SurveillanceFile
from coxa.core.errors import ErrorCode
from coxa.surveillance.domain.imaging import Modality, Seen, Study
from coxa.surveillance.domain.recommend import (
    SYMPTOMS,
    Answer,
    Recommendation,
    ReviewFacts,
    recommend,
)
from coxa.surveillance.domain.results import FlagCode, Levels, Matrix, flags_for
from coxa.surveillance.domain.schedule import (
    HipFacts,
    Next,
    Outstanding,
    choose_rule,
    next_due,
    routine_due,
)
from coxa.terminology.units import metal_in_ug_per_l

TABLE = get_catalogue().surveillance
RULES = TABLE.blood_metals
DAY = dt.date(2026, 6, 1)


def checked(table: SurveillanceFile = TABLE) -> SurveillanceFile:
    return table.model_copy(update={"checked_by_clinical_lead": {"by": "Lead", "on": DAY}})


# --- units --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("metal", "value", "unit", "expected"),
    [
        ("cobalt", 7, "ug/L", 7),
        ("cobalt", 7, "[ppb]", 7),  # whole blood: ppb taken as µg/L (MHRA)
        ("cobalt", 119, "nmol/L", 7.013),  # 119 x 58.933 / 1000
        ("chromium", 134.5, "nmol/L", 6.994),  # 134.5 x 51.996 / 1000
        ("chromium", 0, "ug/L", 0),
        ("cobalt", 2000, "ug/L", 2000),
    ],
)
def test_levels_convert_to_micrograms_per_litre(metal, value, unit, expected):
    converted, problem = metal_in_ug_per_l(metal, value, unit, metal)
    assert problem is None
    assert converted == pytest.approx(expected, abs=0.001)


@pytest.mark.parametrize(
    ("value", "unit", "code", "field"),
    [
        (-0.1, "ug/L", ErrorCode.IMPLAUSIBLE_VALUE, "cobalt.value"),
        (3, "mg/L", ErrorCode.UNKNOWN_UNIT, "cobalt.unit"),
        (3, "", ErrorCode.UNKNOWN_UNIT, "cobalt.unit"),
        (2000.1, "ug/L", ErrorCode.IMPLAUSIBLE_VALUE, "cobalt.value"),
        (float("nan"), "ug/L", ErrorCode.IMPLAUSIBLE_VALUE, "cobalt.value"),
    ],
)
def test_impossible_levels_are_refused_naming_the_field(value, unit, code, field):
    converted, problem = metal_in_ug_per_l("cobalt", value, unit, "cobalt")
    assert converted is None
    assert problem is not None
    assert (problem.code, problem.field) == (code, field)


# --- flags --------------------------------------------------------------------------------


def wb(day: dt.date, co: float | None, cr: float | None) -> Levels:
    return Levels(day, Matrix.WHOLE_BLOOD, co, cr)


def codes(levels: Levels, earlier: list[Levels] = []) -> list[FlagCode]:  # noqa: B006
    return [f.code for f in flags_for(levels, earlier, RULES, TABLE.version)]


def test_seven_is_not_above_seven_but_just_over_is():
    assert codes(wb(DAY, 7.0, 7.0)) == []
    assert codes(wb(DAY, 7.001, 1)) == [
        FlagCode.ABOVE_CONCERN,
        FlagCode.REPEAT_BLOODS,
        FlagCode.IMAGING_RECOMMENDED,
    ]
    assert codes(wb(DAY, 1, 7.5))[0] is FlagCode.ABOVE_CONCERN  # chromium alone counts


def test_a_flag_names_its_rule_version_and_sources_and_the_repeat_is_three_months_on():
    flags = flags_for(wb(DAY, 9, 1), [], RULES, TABLE.version)
    repeat = next(f for f in flags if f.code is FlagCode.REPEAT_BLOODS)
    assert repeat.due_on == DAY + dt.timedelta(days=90)
    for flag in flags:
        assert flag.rule_id
        assert flag.rule_version == TABLE.version
        assert flag.sources
        assert set(flag.sources) <= set(get_catalogue().sources)


def test_a_rise_beyond_the_services_figure_between_whole_blood_results_is_flagged():
    before = wb(DAY - dt.timedelta(days=365), 1.0, 1.0)
    assert codes(wb(DAY, 2.0, 1.0), [before]) == []  # exactly the figure: not beyond it
    assert codes(wb(DAY, 2.01, 1.0), [before]) == [FlagCode.RISING, FlagCode.IMAGING_RECOMMENDED]


def test_the_rise_compares_with_the_previous_whole_blood_result_only():
    old = wb(DAY - dt.timedelta(days=700), 0.5, 0.5)
    recent = wb(DAY - dt.timedelta(days=300), 3.0, 3.0)
    serum = Levels(DAY - dt.timedelta(days=10), Matrix.SERUM, 0.1, 0.1)
    assert codes(wb(DAY, 3.5, 3.5), [old, serum, recent]) == []


def test_serum_and_plasma_are_never_compared_with_whole_blood_thresholds():
    for matrix in (Matrix.SERUM, Matrix.PLASMA):
        assert codes(Levels(DAY, matrix, 50, 50), [wb(DAY - dt.timedelta(days=9), 1, 1)]) == [
            FlagCode.NOT_WHOLE_BLOOD
        ]


# --- the schedule -------------------------------------------------------------------------


def hip(**kw) -> HipFacts:
    base = {"implant": "resurfacing", "sex": "male", "head_mm": 50.0, "symptomatic": False,
                "operated_on": DAY - dt.timedelta(days=800), "today": DAY}  # fmt: skip
    return HipFacts(**(base | kw))


def test_until_the_lead_checks_the_table_every_hip_has_the_conservative_default():
    assert TABLE.checked_by_clinical_lead is None  # as shipped: not yet checked
    for facts in (hip(), hip(symptomatic=True), hip(implant="mom-thr", head_mm=40)):
        chosen = choose_rule(TABLE, facts)
        assert chosen.rule.code == "conservative-yearly"
        assert not chosen.checked
        assert chosen.rule.interval_days == 365
        assert chosen.rule.blood_metals


def test_once_checked_the_first_row_holding_the_hip_applies():
    table = checked()
    assert choose_rule(table, hip(symptomatic=True)).rule.code == "symptomatic"
    assert choose_rule(table, hip()).rule.code == "resurfacing"
    assert choose_rule(table, hip(implant="mom-thr", head_mm=36)).rule.code == "mom-thr-large-head"


def test_a_row_needing_a_fact_not_recorded_never_matches_so_the_default_applies():
    table = checked()
    chosen = choose_rule(table, hip(implant="mom-thr", head_mm=None))
    assert chosen.rule.code == "conservative-yearly"
    assert chosen.checked
    assert choose_rule(table, hip(implant="mom-thr", head_mm=35.9)).rule.code == (
        "conservative-yearly"
    )


@pytest.mark.parametrize(
    ("today", "years"),
    [(dt.date(2026, 2, 28), 0), (dt.date(2026, 3, 1), 1), (dt.date(2027, 2, 28), 1)],
)
def test_years_since_the_operation_turn_on_the_anniversary(today, years):
    assert hip(operated_on=dt.date(2025, 3, 1), today=today).years_since_operation == years


def test_the_routine_check_is_an_interval_after_the_last_review_or_the_operation():
    op = dt.date(2025, 1, 10)
    year = dt.timedelta(days=365)

    def due(last, operated, enrolled, here):
        return routine_due(
            interval_days=365,
            last_review_on=last,
            operated_on=operated,
            enrolled_on=enrolled,
            operated_here=here,
        )

    assert due(None, op, op, True) == op + year
    assert due(DAY, op, op, True) == DAY + year
    # Operated elsewhere years ago: checked on enrolment; the day not known: the same.
    assert due(None, dt.date(2010, 1, 1), DAY, False) == DAY
    assert due(None, None, DAY, False) == DAY
    # Operated elsewhere recently: a year after the operation.
    assert due(None, DAY - dt.timedelta(days=30), DAY, False) == DAY - dt.timedelta(days=30) + year


def test_what_is_outstanding_comes_first_when_it_is_earlier():
    routine = DAY + dt.timedelta(days=200)
    repeat = Outstanding(Next.REPEAT_BLOODS, DAY + dt.timedelta(days=90))
    assert next_due(routine, [repeat]).kind is Next.REPEAT_BLOODS
    assert next_due(routine, [Outstanding(Next.IMAGING, routine)]).kind is Next.REVIEW  # a tie


days = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2060, 1, 1))


@given(
    interval=st.integers(min_value=30, max_value=1096),
    last=st.none() | days,
    operated=st.none() | days,
    enrolled=days,
    here=st.booleans(),
    outstanding=st.lists(st.tuples(st.sampled_from(list(Next)), days), max_size=4),
)
def test_a_hip_under_surveillance_always_has_a_next_due_date(
    interval, last, operated, enrolled, here, outstanding
):
    routine = routine_due(interval_days=interval, last_review_on=last, operated_on=operated,
                          enrolled_on=enrolled, operated_here=here)  # fmt: skip
    due = next_due(routine, [Outstanding(k, d) for k, d in outstanding])
    assert isinstance(due.due_on, dt.date)
    assert due.due_on <= routine
    assert due.routine_on == routine
    assert all(due.due_on <= d for _, d in outstanding)
    if last is not None:
        assert routine == last + dt.timedelta(days=interval)


# --- the recommendation -------------------------------------------------------------------


NONE = dict.fromkeys(SYMPTOMS, Answer.NO)


def advise(results=(), studies=(), symptoms=None, fall=None, previous=None, table=TABLE, rule=None):
    facts = ReviewFacts(
        review_on=DAY,
        previous_review_on=previous,
        rule=rule or table.default,
        symptoms=NONE if symptoms is None else symptoms,
        results=list(results),
        studies=list(studies),
        score_fall_on=fall,
    )
    return recommend(facts, table)


def mri(**kw) -> Study:
    base = {"performed_on": DAY - dt.timedelta(days=5), "modality": Modality.MARS_MRI,
                "fluid_collection": Seen.ABSENT, "solid_mass": Seen.ABSENT,
                "muscle_involvement": Seen.ABSENT, "bone_involvement": Seen.ABSENT}  # fmt: skip
    return Study(**(base | kw))


LOW = wb(DAY - dt.timedelta(days=10), 1.2, 0.8)


def test_low_levels_no_symptoms_no_concern_continue_routine_with_the_next_check():
    advice = advise([LOW])
    assert advice.recommendation is Recommendation.ROUTINE
    assert not advice.missing
    assert advice.due_on(Recommendation.ROUTINE) == DAY + dt.timedelta(days=365)


def test_unknown_is_never_routine():
    assert advise([LOW], symptoms={}).recommendation is Recommendation.COMPLETE
    assert advise([]).recommendation is Recommendation.COMPLETE  # no bloods this check
    serum = Levels(DAY - dt.timedelta(days=3), Matrix.SERUM, 1, 1)
    advice = advise([serum])
    assert advice.recommendation is Recommendation.COMPLETE
    assert "serum or plasma" in advice.missing[0]
    # Only cobalt measured: the whole-blood pair is still missing.
    assert advise([wb(DAY, 1.0, None)]).recommendation is Recommendation.COMPLETE


def test_a_first_result_above_seven_repeats_in_three_months_and_images():
    high = wb(DAY - dt.timedelta(days=10), 8.2, 1.0)
    advice = advise([LOW.__class__(DAY - dt.timedelta(days=400), Matrix.WHOLE_BLOOD, 1, 1), high])
    assert advice.recommendation is Recommendation.IMAGE
    assert set(advice.actions) == {Recommendation.IMAGE, Recommendation.REPEAT_BLOODS}
    assert advice.due_on(Recommendation.REPEAT_BLOODS) == high.sampled_on + dt.timedelta(days=90)


def test_imaging_done_after_the_sample_satisfies_the_imaging_the_level_asked_for():
    high = wb(DAY - dt.timedelta(days=10), 8.2, 1.0)
    advice = advise([high], [mri()])
    assert advice.actions == (Recommendation.REPEAT_BLOODS,)


@pytest.mark.parametrize(
    ("study", "rule"),
    [
        (mri(muscle_involvement=Seen.PRESENT), "mom-imaging-muscle-bone"),
        (mri(bone_involvement=Seen.PRESENT), "mom-imaging-muscle-bone"),
        (mri(solid_mass=Seen.PRESENT), "mom-imaging-solid-mass"),
        (mri(fluid_collection=Seen.PRESENT, hauptfleisch="3"), "mom-imaging-solid-mass"),
        (
            mri(fluid_collection=Seen.PRESENT, very_large=True),
            "mom-collection-symptomatic-or-large",
        ),
    ],
)
def test_imaging_of_most_concern_refers_to_discuss_revision(study, rule):
    advice = advise([LOW], [study])
    assert advice.recommendation is Recommendation.REFER
    assert rule in {r.rule_id for r in advice.reasons}


def test_an_isolated_small_collection_without_symptoms_is_watched_with_a_rescan():
    study = mri(fluid_collection=Seen.PRESENT)
    advice = advise([LOW], [study])
    assert advice.recommendation is Recommendation.IMAGE
    assert advice.due_on(Recommendation.IMAGE) == study.performed_on + dt.timedelta(
        days=TABLE.imaging.rescan_collection_after_days
    )
    symptomatic = dict(NONE, pain=Answer.YES)
    assert advise([LOW], [study], symptomatic).recommendation is Recommendation.REFER


def test_rising_levels_with_abnormal_imaging_refer():
    before = wb(DAY - dt.timedelta(days=380), 1.0, 1.0)
    now = wb(DAY - dt.timedelta(days=20), 4.0, 1.0)
    study = mri(fluid_collection=Seen.PRESENT)
    advice = advise([before, now], [study])
    assert "mom-abnormal-and-rising" in {r.rule_id for r in advice.reasons}
    assert advice.recommendation is Recommendation.REFER


def test_symptoms_or_a_falling_score_ask_for_imaging_unless_this_check_imaged():
    pain = dict(NONE, pain=Answer.YES)
    assert advise([LOW], symptoms=pain).recommendation is Recommendation.IMAGE
    assert advise([LOW], [mri()], pain).recommendation is Recommendation.ROUTINE
    assert advise([LOW], fall=DAY - dt.timedelta(days=30)).recommendation is Recommendation.IMAGE


def test_a_falling_score_with_rising_levels_refers():
    before = wb(DAY - dt.timedelta(days=380), 1.0, 1.0)
    now = wb(DAY - dt.timedelta(days=20), 4.0, 1.0)
    advice = advise([before, now], [mri(performed_on=DAY - dt.timedelta(days=2))], fall=DAY)
    assert advice.recommendation is Recommendation.REFER


def test_an_unassessed_scan_is_not_normal():
    study = mri(muscle_involvement=Seen.NOT_ASSESSED)
    advice = advise([LOW], [study])
    assert advice.recommendation is Recommendation.COMPLETE
    assert "muscle involvement" in advice.missing[0]


def test_an_abnormal_xray_in_this_check_refers():
    xray = Study(DAY - dt.timedelta(days=1), Modality.XRAY, xray=(("osteolysis", Seen.PRESENT),))
    assert advise([LOW], [xray]).recommendation is Recommendation.REFER


def test_every_reason_is_explained_with_rule_sources_and_the_tables_version():
    advice = advise(
        [wb(DAY - dt.timedelta(days=10), 8.2, 1.0)], symptoms=dict(NONE, pain=Answer.YES)
    )
    data = advice.as_json()
    assert data["table_version"] == TABLE.version
    assert data["schedule_rule"]
    for reason in data["reasons"]:
        assert reason["rule_id"]
        assert reason["sources"]
        assert reason["message"]
        assert set(reason["sources"]) <= set(get_catalogue().sources)


# --- after the clinical-safety review -------------------------------------------------------


def test_a_second_raised_result_is_never_routine_until_imaged():
    first = wb(DAY - dt.timedelta(days=100), 9.0, 1.0)
    second = wb(DAY - dt.timedelta(days=8), 9.8, 1.0)
    advice = advise([first, second])
    assert advice.recommendation is Recommendation.IMAGE
    assert (
        "higher than before"
        in next(r for r in advice.reasons if r.rule_id == "mom-levels-image").message
    )
    # Imaged since, and normal: surveillance goes on, but never as "nothing of concern".
    advice = advise([first, second], [mri()])
    assert advice.recommendation is Recommendation.ROUTINE
    assert "remain above the threshold" in advice.reasons[-1].message


def test_a_raised_result_is_imaged_even_when_the_repeat_is_lower():
    advice = advise(
        [wb(DAY - dt.timedelta(days=100), 9.0, 1.0), wb(DAY - dt.timedelta(days=8), 6.0, 1.0)]
    )
    assert advice.recommendation is Recommendation.IMAGE


def test_a_partly_assessed_scan_with_a_collection_and_rising_levels_refers():
    before = wb(DAY - dt.timedelta(days=380), 1.0, 1.0)
    now = wb(DAY - dt.timedelta(days=20), 4.0, 1.0)
    ultrasound = mri(
        modality=Modality.ULTRASOUND,
        fluid_collection=Seen.PRESENT,
        muscle_involvement=Seen.NOT_ASSESSED,
        bone_involvement=Seen.NOT_ASSESSED,
    )
    assert advise([before, now], [ultrasound]).recommendation is Recommendation.REFER


def test_a_cyst_class_counts_as_a_collection():
    study = mri(fluid_collection=Seen.ABSENT, hauptfleisch="2")
    assert study.collection
    assert advise([LOW], [study]).recommendation is Recommendation.IMAGE  # watched


def test_a_later_sample_without_the_raised_metal_does_not_answer_the_repeat():
    high = wb(DAY - dt.timedelta(days=100), 12.0, 1.0)
    chromium_only = wb(DAY - dt.timedelta(days=5), None, 1.0)
    advice = advise([high, chromium_only])
    assert {Recommendation.IMAGE, Recommendation.REPEAT_BLOODS} <= set(advice.actions)


def test_a_raised_result_after_normal_ones_is_a_first_again():
    old = wb(DAY - dt.timedelta(days=2000), 9.0, 1.0)
    since = wb(DAY - dt.timedelta(days=400), 2.0, 1.0)
    now = wb(DAY - dt.timedelta(days=10), 8.5, 1.0)
    assert codes(now, [old, since]) == [
        FlagCode.ABOVE_CONCERN,
        FlagCode.RISING,
        FlagCode.REPEAT_BLOODS,
        FlagCode.IMAGING_RECOMMENDED,
    ]


def test_neck_narrowing_alone_asks_for_imaging_and_an_xray_not_entered_is_not_normal():
    xray = Study(
        DAY - dt.timedelta(days=1), Modality.XRAY, xray=(("neck-narrowing", Seen.PRESENT),)
    )
    assert advise([LOW], [xray]).recommendation is Recommendation.IMAGE
    blank = Study(DAY - dt.timedelta(days=1), Modality.XRAY)
    assert not blank.normal
    assert len(blank.unassessed) == 5

"""Each procedure's follow-up schedule is versioned, sourced data that agrees with the rest
of the catalogue: known questionnaires, windows that never overlap, and the recovery plan's
follow-up appointments the same as the schedule's clinic reviews (ADR 0022)."""

from coxa.catalogue.loader import get_catalogue
from coxa.catalogue.tests.test_loader import data, edit, problems  # noqa: F401 - fixture

FIRST_POINT = 0


def test_every_procedure_has_a_sourced_schedule_with_a_baseline_and_yearly_points():
    catalogue = get_catalogue()
    for code, procedure in catalogue.procedures.items():
        schedule = procedure.follow_up
        assert schedule.baseline.questionnaires, code
        assert schedule.repeat is not None, code
        cited = [schedule.baseline.sources, schedule.repeat.sources]
        cited += [p.sources for p in schedule.points]
        assert all(s in catalogue.sources for ids in cited for s in ids), code
    # Resurfacing is metal-on-metal: reviewed every year for the life of the implant (MHRA).
    bhr = catalogue.procedures["bhr"].follow_up.repeat
    assert bhr is not None
    assert (bhr.until_year, bhr.clinic_review) == (None, True)
    assert "mhra-mda-2015-024" in bhr.sources
    # NHS PROMs: before the operation and at six months.
    for procedure in catalogue.procedures.values():
        six = next(p for p in procedure.follow_up.points if p.code == "6-months")
        assert (six.day, "nhs-proms-hip" in six.sources) == (182, True)


def test_an_unknown_questionnaire_is_refused(data):  # noqa: F811
    edit(
        data / "procedures" / "bhr.yaml",
        lambda c: c["follow_up"]["points"][FIRST_POINT].update(questionnaires=["harris-hip"]),
    )
    assert "bhr.yaml: follow_up: unknown questionnaire harris-hip" in "\n".join(problems(data))


def test_windows_that_overlap_are_refused_so_a_day_matches_one_point(data):  # noqa: F811
    edit(
        data / "procedures" / "total-hip-replacement.yaml",
        lambda c: c["follow_up"]["points"][1].update(window_before_days=130),
    )
    found = "\n".join(problems(data))
    assert "6-months's window opens on day 52, not after the one before it closes (day 63)" in (
        found
    )


def test_a_point_that_asks_for_nothing_is_refused(data):  # noqa: F811
    edit(
        data / "procedures" / "bhr.yaml",
        lambda c: c["follow_up"]["points"][1].update(questionnaires=[]),
    )
    assert "a point asks for a questionnaire or a clinic review" in "\n".join(problems(data))


def test_the_recovery_plan_and_the_schedule_must_agree_on_follow_up_reviews(data):  # noqa: F811
    # The plan's six-week review moved to day 49: no clinic review of the schedule then, and
    # the schedule's review on day 42 is missing from the plan.
    edit(
        data / "procedures" / "total-hip-replacement.yaml",
        lambda c: c["recovery"]["appointments"][2].update(day=49),
    )
    # The 1-year clinic review of resurfacing dropped: the plan's annual review is orphaned.
    edit(
        data / "procedures" / "bhr.yaml",
        lambda c: c["follow_up"]["points"][2].update(clinic_review=False),
    )
    found = "\n".join(problems(data))
    assert (
        "total-hip-replacement.yaml: follow_up: the recovery plan's follow-up appointment on "
        "day 49 is no clinic review of the schedule"
    ) in found
    assert "6-weeks's clinic review (day 42) is not in the recovery plan's follow-up" in found
    assert "bhr.yaml: follow_up: the recovery plan's follow-up appointment on day 365" in found


def test_a_repeat_ending_before_it_starts_is_refused(data):  # noqa: F811
    edit(
        data / "procedures" / "core-decompression.yaml",
        lambda c: c["follow_up"]["repeat"].update(from_year=3, until_year=2),
    )
    assert "until_year is before from_year" in "\n".join(problems(data))

"""What a conversion or a death may say (pure): each refusal on its field, at its boundary."""

import datetime as dt

import pytest

from coxa.outcomes.domain.endpoints import (
    CONVERTIBLE_STATES,
    conversion_problems,
    conversion_state_problem,
    conversion_targets,
    death_problems,
)
from coxa.pathways.domain import EpisodeState as S

TODAY = dt.date(2026, 11, 30)
OPERATED = dt.date(2025, 6, 2)
REASONS = {"collapse": False, "pain": False, "other": True}


def converting(**overrides):
    given = {
        "on": TODAY,
        "operated_on": OPERATED,
        "today": TODAY,
        "reason": "collapse",
        "reasons": REASONS,
        "note": "",
        "procedure": "total-hip-replacement",
        "targets": ("total-hip-replacement",),
    } | overrides
    return [(p.code.value, p.field) for p in conversion_problems(**given)]


def test_a_conversion_and_a_revision_become_what_the_catalogue_says():
    assert conversion_targets("core-decompression", "total-hip-replacement") == (
        "total-hip-replacement",
    )
    # A hip replacement is revised as a hip replacement (a further operation on the implant).
    assert conversion_targets("total-hip-replacement", None) == ("total-hip-replacement",)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, []),
        ({"on": OPERATED}, []),  # on the day of the operation: an early failure
        ({"on": TODAY + dt.timedelta(days=1)}, [("date-in-future", "on")]),
        ({"on": OPERATED - dt.timedelta(days=1)}, [("before-operation", "on")]),
        ({"on": None}, [("required", "on")]),
        ({"reason": ""}, [("required", "reason")]),
        ({"reason": "bad-luck"}, [("unknown-reason", "reason")]),
        ({"reason": "other"}, [("reason-required", "note")]),
        ({"reason": "other", "note": "."}, [("reason-required", "note")]),
        ({"reason": "other", "note": "Trunnion corrosion"}, []),
        ({"procedure": ""}, [("required", "procedure")]),
        ({"procedure": "bhr"}, [("conversion-procedure", "procedure")]),
        ({"died_on": TODAY - dt.timedelta(days=1)}, [("patient-deceased", "on")]),
        ({"died_on": TODAY}, []),  # converted on the day of death
        (
            {"on": None, "reason": "x", "procedure": "y"},
            [
                ("required", "on"),
                ("unknown-reason", "reason"),
                ("conversion-procedure", "procedure"),
            ],
        ),
    ],
)
def test_conversion_problems(overrides, expected):
    assert converting(**overrides) == expected


def test_a_conversion_is_recorded_only_after_the_operation_on_an_episode_not_ended():
    assert {S.OPERATED, S.RECOVERING, S.FOLLOW_UP, S.COMPLETED} == CONVERTIBLE_STATES
    for state in S:
        problem = conversion_state_problem(state)
        if state in CONVERTIBLE_STATES:
            assert problem is None
        elif state in {S.CONVERTED, S.DIED, S.WITHDRAWN}:
            assert problem.code == "episode-ended"
        else:
            assert problem.code == "not-operated"


BORN = dt.date(1960, 5, 1)


@pytest.mark.parametrize(
    ("on", "related", "last_event", "expected"),
    [
        (TODAY, "yes", None, []),
        (TODAY, "no", OPERATED, []),
        (OPERATED, "unknown", OPERATED, []),  # died on the day of the operation
        (BORN, "unknown", None, []),
        (TODAY + dt.timedelta(days=1), "no", None, [("date-in-future", "on")]),
        (BORN - dt.timedelta(days=1), "no", None, [("before-birth", "on")]),
        (OPERATED - dt.timedelta(days=1), "no", OPERATED, [("death-before-event", "on")]),
        (None, "no", None, [("required", "on")]),
        (TODAY, "", None, [("required", "related_to_hip")]),
        (TODAY, "maybe", None, [("invalid-value", "related_to_hip")]),
        (TODAY, "Yes", None, [("invalid-value", "related_to_hip")]),
    ],
)
def test_death_problems(on, related, last_event, expected):
    problems = death_problems(
        on=on, born=BORN, today=TODAY, related_to_hip=related, last_event=last_event
    )
    assert [(p.code.value, p.field) for p in problems] == expected


def test_the_catalogue_codes_every_reason_the_issue_names_with_sources():
    from coxa.catalogue.loader import get_catalogue

    catalogue = get_catalogue()
    reasons = catalogue.conversion_reasons
    assert list(reasons) == [
        "collapse",
        "progression-of-arthritis",
        "aseptic-loosening",
        "adverse-reaction-to-metal-debris",
        "infection",
        "fracture",
        "pain",
        "instability",
        "other",
    ]
    assert [code for code, r in reasons.items() if r.needs_words] == ["other"]
    # A reason that cannot end the procedure is not offered (nor accepted) for it.
    assert reasons["collapse"].applies_to("core-decompression")
    assert not reasons["collapse"].applies_to("bhr")
    assert not reasons["aseptic-loosening"].applies_to("core-decompression")
    assert reasons["infection"].applies_to("core-decompression")
    assert all(set(r.sources) <= set(catalogue.sources) for r in reasons.values())

"""After the operation the plan, not the getting-ready letter, says when the patient's own
anticoagulant starts again (H54), and never that no blood thinner is needed when one is."""

import datetime as dt

import pytest

from coxa.assessment.services import readiness
from coxa.assessment.tests.test_clinic import all_gates_passing, today
from coxa.assessment.tests.test_coded import _medicine, _plan
from coxa.core.audit import Via
from tests.journeys import list_episode

pytestmark = pytest.mark.django_db


def test_after_the_operation_the_plan_names_the_own_anticoagulant_restart_not_none_needed(
    bert, nurse, surgeon
):
    listed = list_episode(bert, surgeon)
    from types import SimpleNamespace

    from django.template.loader import render_to_string

    from coxa.surgery.selectors import own_anticoagulants

    all_gates_passing(listed, nurse)
    _medicine(listed, nurse, "Warfarin", "vitamin-k-antagonist", "B01AA03")
    _plan(
        listed,
        surgeon,
        "Warfarin",
        action="stop",
        days_before=5,
        restart_days_after=1,
        anticoagulant_indication="mechanical-heart-valve",
        bridging=True,
        bridging_note="Enoxaparin treatment dose",
        inr_check_days_before=1,
    )
    operation = today() + dt.timedelta(days=40)
    readiness.plan_operation(episode=listed, operation_on=operation, by=nurse, via=Via.WEB)
    own = own_anticoagulants(listed)
    assert [s.medication for s in own] == ["Warfarin"]
    none_prescribed = SimpleNamespace(courses=(), stockings_until_discharge=False)
    text = render_to_string(
        "surgery/shared/prophylaxis.html", {"prophylaxis": none_prescribed, "own": own}
    )
    restart = operation + dt.timedelta(days=1)
    assert "start it again on <time" in text
    assert f">{restart:%A} {restart.day} {restart:%B %Y}</time>, as planned" in text
    assert "injections to bridge the gap" in text
    assert "You do not need blood-thinning medicine after this operation" not in text
    alone = render_to_string("surgery/shared/prophylaxis.html", {"prophylaxis": none_prescribed})
    assert "You do not need blood-thinning medicine after this operation" in alone

"""The pre-assessment worklist costs the same queries however many hips it holds."""

import pytest

from coxa.assessment.domain.requirements import TRACKED
from coxa.assessment.worklist import WorklistQuery, list_pre_assessment_worklist
from coxa.conftest import details
from coxa.core.audit import Via
from coxa.core.pagination import PageRequest
from coxa.pathways import services as pathways
from coxa.patients import services as patients

pytestmark = pytest.mark.django_db

URL = "/staff/worklists/pre-assessment/"
# A page of rows read state by state (the four tracked states, merged) and a capped count;
# the read's audit record (the chain's head, the record, the head moved on). The page adds
# the session, its user and their second factor.
QUERIES_PER_LIST = len(TRACKED) + 1 + 3
QUERIES_PER_PAGE = QUERIES_PER_LIST + 3


def listed_hips(nurse, surgeon, count):
    """``count`` hips listed with nothing recorded yet: each is missing its results."""
    for n in range(count):
        if n % 2 == 0:
            patient = patients.register_patient(
                details=details(given_name=f"P{n:02d}", nhs_number="", hospital_number=f"L{n:06d}"),
                by=nurse,
                via=Via.WEB,
            )
        episode = pathways.open_episode(
            patient=patient, side=("left", "right")[n % 2], procedure="bhr", by=nurse, via=Via.WEB
        )
        for state in ("assessed", "listed"):
            pathways.move_episode(episode=episode, to=state, reason="", by=surgeon, via=Via.WEB)


@pytest.mark.parametrize("count", [3, 30])
def test_the_page_and_the_list_cost_the_same_queries_for_3_or_30_hips(
    count, nurse, surgeon, web_as, django_assert_max_num_queries
):
    listed_hips(nurse, surgeon, count)
    client = web_as(nurse)
    client.get(URL)  # the session's first request stamps it
    with django_assert_max_num_queries(QUERIES_PER_PAGE):
        page = client.get(URL).content.decode()
    with django_assert_max_num_queries(QUERIES_PER_LIST):
        listed = list_pre_assessment_worklist(
            actor=nurse, query=WorklistQuery(), page=PageRequest(1, 50), via=Via.WEB
        )
    assert (listed.count, len(listed.rows), listed.capped) == (count, count, False)
    assert page.count("<tr>\n      <td><a") == count

"""Decisions stored on an episode, evaluated on the facts Coxa holds."""

import pytest

from coxa.assessment.models import EpisodeDecision
from coxa.core.audit import Via
from coxa.core.models import AuditEvent
from coxa.pathways import services as pathways


@pytest.fixture
def episode(nurse, bert):
    return pathways.open_episode(patient=bert, side="left", procedure="bhr", by=nurse, via=Via.WEB)


@pytest.mark.django_db
def test_an_episode_decision_is_stored_with_its_versions_and_audited(api_as, surgeon, episode):
    api = api_as(surgeon)
    created = api.post(f"/api/v1/episodes/{episode.public_id}/decisions")
    assert created.status_code == 201
    body = created.json()
    # Coxa holds the sex, age and hip only: everything else is unknown, never a pass.
    assert body["decision"]["candidacy"] == "insufficient-data"
    assert body["rule_versions"]["bhr.sex"] == 1
    assert body["catalogue_hash"] == EpisodeDecision.objects.get().catalogue_hash
    assert body["document"]["patient"]["sex"] == "male"
    listed = api.get(f"/api/v1/episodes/{episode.public_id}/decisions").json()
    assert [d["id"] for d in listed] == [body["id"]]
    assert AuditEvent.objects.filter(action="decision.record").count() == 1


@pytest.mark.django_db
def test_roles_that_may_not_record_decisions(api_as, admin, episode):
    response = api_as(admin).post(f"/api/v1/episodes/{episode.public_id}/decisions")
    assert response.status_code == 403
    assert not EpisodeDecision.objects.exists()


@pytest.mark.django_db
def test_the_staff_page_evaluates_and_shows_reasons(web_as, surgeon, episode):
    client = web_as(surgeon)
    url = f"/staff/episodes/{episode.public_id}/decision/"
    assert "No decision has been evaluated" in client.get(url).content.decode()
    assert client.post(url).status_code == 302
    page = client.get(url).content.decode()
    assert "insufficient-data" in page
    assert "Templated femoral head size is not recorded." in page
    assert "MHRA MDA/2015/024" in page

"""The conversion and death pages: linked for the roles that may record them, errors beside
their fields, and the hip's story told in plain words afterwards."""

import datetime as dt

import pytest

from coxa.core import clock
from coxa.outcomes.models import Conversion, Death
from coxa.pathways.models import Episode
from tests.journeys import walk_to

pytestmark = pytest.mark.django_db


def today() -> dt.date:
    """Read at each use, never at import: a run that crosses midnight keeps its dates."""
    return clock.today()


@pytest.fixture
def hip(bert, surgeon):
    return walk_to(
        "follow-up",
        patient=bert,
        by=surgeon,
        side="right",
        procedure="core-decompression",
        listed_on=today() - dt.timedelta(days=221),
        operated_on=today() - dt.timedelta(days=200),
    )


def key(page):
    """The form's one-time submission key, as the page gave it."""
    text = page.content.decode()
    start = text.index('name="submission_key" value="') + len('name="submission_key" value="')
    return text[start : text.index('"', start)]


def test_the_episode_page_links_to_the_conversion_for_surgeons_and_nurses(
    web_as, surgeon, nurse, physio, hip
):
    episode_url = f"/staff/episodes/{hip.public_id}/"
    link = f"/staff/episodes/{hip.public_id}/conversion/"
    for user in (surgeon, nurse):
        page = web_as(user).get(episode_url).content.decode()
        assert link in page
        assert '<option value="converted"' not in page  # no longer a move by hand
    assert link not in web_as(physio).get(episode_url).content.decode()
    assert web_as(physio).get(link).status_code == 403


def test_a_conversion_through_the_page_lands_on_the_linked_episode(web_as, surgeon, hip):
    client = web_as(surgeon)
    url = f"/staff/episodes/{hip.public_id}/conversion/"
    form = client.get(url)
    assert "Collapse of the femoral head" in form.content.decode()
    assert "Total hip replacement" in form.content.decode()
    on = today() - dt.timedelta(days=3)
    done = client.post(
        url,
        {"on": on.isoformat(), "reason": "collapse", "procedure": "total-hip-replacement",
         "note": "", "submission_key": key(form)},
    )  # fmt: skip
    new = Episode.objects.get(converted_from=hip)
    assert done.status_code == 302
    assert done["Location"] == f"/staff/episodes/{new.public_id}/"
    landed = client.get(done["Location"]).content.decode()
    assert "Converted from" in landed
    assert Conversion.objects.get().on == on
    old = client.get(f"/staff/episodes/{hip.public_id}/").content.decode()
    assert "State: Converted or revised" in old
    assert "<td>Follow-up</td>" in old  # the history in words, not codes
    assert "<td>Converted or revised</td>" in old
    # Its conversion page no longer offers a form: it says why and links the new episode.
    again = client.get(url).content.decode()
    assert 'data-testid="blocked"' in again
    assert "Record the conversion</button>" not in again
    assert f"/staff/episodes/{new.public_id}/" in again


def test_conversion_page_errors_sit_beside_their_fields(web_as, nurse, hip):
    client = web_as(nurse)
    url = f"/staff/episodes/{hip.public_id}/conversion/"
    form = client.get(url)
    refused = client.post(
        url,
        {"on": (today() + dt.timedelta(days=1)).isoformat(), "reason": "other",
         "procedure": "total-hip-replacement", "note": "", "submission_key": key(form)},
    )  # fmt: skip
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "the conversion day cannot be in the future" in text
    assert "say in the note what the reason was" in text
    assert not Conversion.objects.exists()


def test_death_page_records_and_closes_the_hips(web_as, nurse, physio, bert, hip):
    chart = f"/staff/patients/{bert.public_id}/"
    url = f"/staff/patients/{bert.public_id}/death/"
    assert url in web_as(nurse).get(chart).content.decode()
    assert url not in web_as(physio).get(chart).content.decode()
    assert web_as(physio).get(url).status_code == 403
    client = web_as(nurse)
    form = client.get(url)
    assert "Not known whether related to the hip" in form.content.decode()
    missing = client.post(url, {"on": today().isoformat(), "submission_key": key(form)})
    assert missing.status_code == 400
    assert "say whether the death was related to the hip" in missing.content.decode()
    on = today() - dt.timedelta(days=1)
    done = client.post(
        url, {"on": on.isoformat(), "related_to_hip": "no", "submission_key": key(form)}
    )
    assert (done.status_code, done["Location"]) == (302, chart)
    assert Death.objects.get().related_to_hip == "no"
    assert Episode.objects.get(pk=hip.pk).state == "died"
    shown = client.get(chart).content.decode()
    assert f"Died {on:%-d %b %Y}" in shown
    recorded = client.get(url).content.decode()  # no second form: it says when
    assert "Record the death</button>" not in recorded
    assert f"recorded already: {on:%-d %b %Y}" in recorded
    assert url not in shown  # recorded once

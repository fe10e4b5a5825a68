"""Fixtures of the contract tests: real ids for every path, and tokens for the roles."""

import datetime as dt

import pytest
from django.test import Client

from coxa.assessment.domain.entries import Kind
from coxa.assessment.services.entries import record_entry
from coxa.conftest import PASSWORD
from coxa.core import clock
from coxa.core.audit import Via
from tests.journeys import walk_to


def token(user) -> str:
    response = Client().post(
        "/api/v1/auth/token",
        {"username": user.username, "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


@pytest.fixture
def hips(bert, ada, surgeon):
    """Real ids for every path: hips at several steps, and an entry to correct."""
    today = clock.today()
    listed = walk_to("listed", patient=bert, by=surgeon, side="right", listed_on=today)
    scheduled = walk_to(
        "scheduled",
        patient=bert,
        by=surgeon,
        listed_on=today - dt.timedelta(days=5),
        operated_on=today + dt.timedelta(days=20),
    )
    operated = walk_to(
        "operated",
        patient=ada,
        by=surgeon,
        procedure="total-hip-replacement",
        listed_on=today - dt.timedelta(days=30),
        operated_on=today - dt.timedelta(days=2),
    )
    entry = record_entry(
        kind=Kind.SMOKING,
        episode=listed,
        payload={"status": "never", "recorded_on": today},
        by=surgeon,
        via=Via.WEB,
    )
    return {
        "episode_id": [str(e.public_id) for e in (listed, scheduled, operated)],
        "patient_id": [str(bert.public_id), str(ada.public_id)],
        "entry_id": [str(entry.public_id)],
    }

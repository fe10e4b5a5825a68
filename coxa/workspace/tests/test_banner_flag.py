"""The banner names a metal-on-metal flag on any of the patient's hips (H74).

A flag on the left resurfacing concerns the patient on the right hip's pages too.
"""

import datetime as dt

import pytest
from django.urls import reverse

from coxa.core.audit import Via
from coxa.pathways import services as pathways
from coxa.surveillance.domain.inputs import MetalIonsIn
from coxa.surveillance.services import records
from tests.journeys import at_time, walk_to

pytestmark = pytest.mark.django_db
OPERATED = dt.date(2025, 3, 3)


def test_a_flag_on_the_other_hip_shows_on_this_hips_pages(web_as, surgeon, bert):
    left = walk_to(
        "operated",
        patient=bert,
        by=surgeon,
        side="left",
        listed_on=OPERATED - dt.timedelta(days=21),
        operated_on=OPERATED,
    )
    day = OPERATED + dt.timedelta(days=360)
    with at_time(day):
        records.record_metal_ions(
            episode=left,
            entry=MetalIonsIn.model_validate(
                {
                    "sampled_on": day,
                    "matrix": "whole-blood",
                    "laboratory": "Lab",
                    "cobalt": {"value": 8.1, "unit": "ug/L"},
                    "chromium": {"value": 2.0, "unit": "ug/L"},
                }
            ),
            by=surgeon,
            via=Via.API,
        )
    right = pathways.open_episode(
        patient=bert, side="right", procedure="core-decompression", by=surgeon, via=Via.WEB
    )
    client = web_as(surgeon)
    for url in (
        reverse("pathways:episode", args=[right.public_id]),
        reverse("assessment:clinic", args=[right.public_id]),
    ):
        page = client.get(url).content.decode()
        banner = page[page.index('aria-label="Patient"') :][:4000]
        assert "surveillance" in banner.lower(), url

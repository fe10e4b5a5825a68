"""Fixtures the clinic's tests share."""

import pytest

from coxa.core.audit import Via
from coxa.pathways import services as pathways


@pytest.fixture
def listed(nurse, surgeon, bert):
    episode = pathways.open_episode(
        patient=bert, side="left", procedure="bhr", by=nurse, via=Via.WEB
    )
    for state in ("assessed", "listed"):
        pathways.move_episode(episode=episode, to=state, reason="", by=surgeon, via=Via.WEB)
    episode.refresh_from_db()
    return episode

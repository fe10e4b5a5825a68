"""Fixtures the clinic's tests share."""

from typing import Any

import pytest

from tests.journeys import list_episode


@pytest.fixture
def listed(surgeon: Any, bert: Any) -> Any:
    """Bert's left hip, listed for a resurfacing (the clinic's usual starting point)."""
    return list_episode(bert, surgeon)

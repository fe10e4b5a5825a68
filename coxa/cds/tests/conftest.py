"""An EHR calling the CDS service, as a given user (a Coxa token), at any of its paths."""

import copy
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from coxa.accounts.models import User
from coxa.conftest import token_for

SERVICE = "/cds-services/coxa-hip-decisions"


@pytest.fixture
def cds_as(db: Any) -> Callable[..., Callable[..., Any]]:
    """``cds_as(user)(body, path=SERVICE)``: POST JSON with the user's bearer token."""

    def as_user(user: User | None) -> Callable[..., Any]:
        token = token_for(user) if user is not None else ""
        client = Client()

        def post(body: Any, path: str = SERVICE, **headers: str) -> Any:
            if token:
                headers["Authorization"] = f"Bearer {token}"
            sent = copy.deepcopy(body) if isinstance(body, dict) else body
            return client.post(path, sent, content_type="application/json", headers=headers)

        return post

    return as_user

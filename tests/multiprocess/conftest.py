"""The running processes shared by the tests of this folder (started once a module)."""

import os
from collections.abc import Iterator

import pytest
from django.conf import settings

from tests.multiprocess.cluster import Cluster, Server, running, unreachable


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """Two web processes and two workers on a PostgreSQL database of their own and Redis.

    Skipped when PostgreSQL or Redis does not answer, except on CI (CI=true), which fails.
    """
    server = Server.of(settings.DATABASES["default"])
    problem = unreachable(server)
    if problem is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{problem}: CI runs this test and needs both servers")
        pytest.skip(f"{problem}: start PostgreSQL and Redis there to run it")
    with running(server, tmp_path_factory.mktemp("multiprocess")) as started:
        yield started

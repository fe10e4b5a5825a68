"""The API fuzzed from its own OpenAPI: every operation, as each role, never a 5xx.

Used by ``test_fuzz.py`` (a bounded, seeded run inside the test suite) and by ``make fuzz``
(the same run with more examples: ``COXA_FUZZ_EXAMPLES``). Cases come from schemathesis,
sent through the Django WSGI application with a bearer token for the role; path ids are
real ones (a patient, hips at several steps, a recorded entry), so that cases reach the
code behind them rather than a 404.

Each answer must be below 500, and every 4xx must be ``{"code", "message", "field"}``.
"""

import json
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from coxa.config.api import api

SEED = 20261130
SHAPE = {"code", "message", "field"}


def examples(default: int) -> int:
    """How many examples each operation gets per role (``COXA_FUZZ_EXAMPLES`` overrides)."""
    return int(os.environ.get("COXA_FUZZ_EXAMPLES", default))


def problem_with(status: int, content_type: str, content: bytes) -> str:  # noqa: PLR0911
    """Why an answer breaks the contract ('' when it keeps it)."""
    if status >= 500:
        return f"{status}: {content[:200]!r}"
    if status < 400:
        return ""
    if "json" not in content_type:
        return f"{status} is not JSON ({content_type}): {content[:120]!r}"
    try:
        body = json.loads(content)
    except ValueError:
        return f"{status} is not valid JSON: {content[:120]!r}"
    if not isinstance(body, dict) or not set(body) >= SHAPE:
        return f"{status} is not {{code, message, field}}: {body!r:.200}"
    if not isinstance(body["code"], str) or not isinstance(body["message"], str):
        return f"{status} code and message must be text: {body!r:.200}"
    if body["field"] is not None and not isinstance(body["field"], str):
        return f"{status} field must be text or null: {body!r:.200}"
    return ""


@dataclass
class Tally:
    """What a run saw: answers by status, and each broken answer once."""

    statuses: Counter[int] = field(default_factory=Counter)
    problems: dict[str, str] = field(default_factory=dict)

    def add(self, where: str, status: int, content_type: str, content: bytes) -> None:
        self.statuses[status] += 1
        wrong = problem_with(status, content_type, content)
        if wrong:
            self.problems.setdefault(f"{where} -> {wrong[:60]}", f"{where}: {wrong}")

    def summary(self) -> str:
        counts = ", ".join(f"{s}: {n}" for s, n in sorted(self.statuses.items()))
        lines = [f"{sum(self.statuses.values())} requests ({counts}); {len(self.problems)} broken"]
        return "\n".join(lines + sorted(self.problems.values()))


def _ends_the_session(operation: Any) -> bool:
    """Signing out (revoking the caller's own token): fuzzed last, or it ends the run."""
    return bool(operation.method.upper() == "DELETE" and operation.path.endswith("/auth/token"))


def operations() -> list[Any]:
    schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
    found = [result.ok() for result in schema.get_all_operations()]
    return sorted(found, key=_ends_the_session)


def fuzz(
    *,
    tokens: dict[str, str],
    path_ids: dict[str, list[str]],
    per_operation: int,
    tally: Tally,
    modes: tuple[GenerationMode, ...] = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE),
) -> None:
    """Send ``per_operation`` cases of every operation, in every mode, as every role.

    As Django's test client does, the start and end of each request leave the test's
    database connection open (they would close it, and the test's transaction, on PostgreSQL).
    """
    app = WSGIHandler()
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        for operation in operations():
            for mode in modes:
                for role, token in tokens.items():
                    _fuzz_one(operation, mode, role, token, path_ids, per_operation, tally, app)
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


def _fuzz_one(
    operation: Any,
    mode: GenerationMode,
    role: str,
    token: str,
    path_ids: dict[str, list[str]],
    per_operation: int,
    tally: Tally,
    app: Callable[..., Any],
) -> None:
    names = [p.name for p in operation.path_parameters]
    real = {name: st.sampled_from(path_ids[name]) for name in names if name in path_ids}

    @seed(SEED)
    @settings(
        max_examples=per_operation,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode), ids=st.fixed_dictionaries(real))
    def run(case: Any, ids: dict[str, str]) -> None:
        if mode is GenerationMode.POSITIVE or not case.path_parameters:
            case.path_parameters = {**(case.path_parameters or {}), **ids}
        response = case.call(app=app, headers={"Authorization": f"Bearer {token}"})
        where = f"{role} {operation.method.upper()} {operation.path} ({mode.value})"
        tally.add(
            where,
            response.status_code,
            response.headers.get("content-type", [""])[0],
            response.content,
        )

    run()

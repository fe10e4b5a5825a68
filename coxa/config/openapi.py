"""The API's error responses in its OpenAPI: every operation lists the 4xx it can give.

Declared once here, from what each operation is, not by hand on each route:

- 400 for every operation (a value that fails validation, a body that cannot be read, a NUL
  in the query string);
- 401 and 403 for every operation that is not public (no caller; a role the permission
  table does not admit, or a session's missing CSRF token);
- 404 for every operation with a path parameter (no such record, or none the caller may
  learn of);
- 409 for every operation that changes a record (a state that does not allow it, a change
  made meanwhile, an Idempotency-Key reused), but not for those that only read or sign in;
- 413 for every operation that takes a body;
- 401 and 429 for the token endpoint (wrong credentials; locked out after repeated failures).

Each is ``Error``: ``{"code", "message", "field"}``, plus ``errors`` when several fields are
at fault, with ``code`` from ``ErrorCode``. A route that declares its own body for a status
(409 ``PossibleDuplicateOut``) keeps it, as one of the answers.
"""

from http import HTTPStatus
from typing import Any

from ninja import NinjaAPI, Schema
from ninja.openapi.docs import ABS_TPL_PATH
from ninja.openapi.docs import Swagger as NinjaSwagger
from ninja.openapi.schema import OpenAPISchema
from ninja.operation import Operation
from pydantic import Field

from coxa.accounts.api_access import api_operation_of
from coxa.accounts.permissions import TABLE, Op
from coxa.core.errors import ErrorCode

REF = "#/components/schemas/{model}"
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Operations sent by POST or DELETE that change no clinical record: no 409.
NO_CONFLICT = frozenset(
    {Op.API_TOKEN_CREATE, Op.API_TOKEN_REVOKE, Op.API_DECISION_EVALUATE, Op.API_PATIENT_SEARCH}
)
RATE_LIMITED = frozenset({Op.API_TOKEN_CREATE})


class ErrorProblem(Schema):
    """One thing wrong with a request: a code, a sentence, and the field at fault."""

    code: ErrorCode
    message: str
    field: str | None


class Error(ErrorProblem):
    """Every error the API answers: the first problem, and ``errors`` when there are more."""

    errors: list[ErrorProblem] | None = Field(
        default=None, description="every problem, when more than one field is at fault"
    )


def error_statuses(operation: Operation, method: str, path: str) -> list[int]:
    """The 4xx statuses an operation can answer (see the module's docstring)."""
    op = api_operation_of(list(operation.auth_callbacks))
    public = op is not None and TABLE[op].public
    statuses = {400}
    if not public:
        statuses |= {401, 403}
    if "{" in path:
        statuses.add(404)
    if method in WRITES and op not in NO_CONFLICT:
        statuses.add(409)
    if method in WRITES and method != "DELETE":
        statuses.add(413)
    if op in RATE_LIMITED:
        statuses |= {401, 429}
    return sorted(statuses)


def _operations(api: NinjaAPI) -> dict[str, Operation]:
    found = {}
    for _, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                name = operation.operation_id or api.get_openapi_operation_id(operation)
                found[name] = operation
    return found


def _answer(status: int, existing: dict[str, Any] | None) -> dict[str, Any]:
    error = {"$ref": REF.format(model="Error")}
    schema: dict[str, Any] = error
    if existing is not None:  # the route's own body for this status is one of the answers
        own = existing["content"]["application/json"]["schema"]
        schema = {"anyOf": [error, own]}
    return {
        "description": HTTPStatus(status).phrase,
        "content": {"application/json": {"schema": schema}},
    }


def declare_errors(api: NinjaAPI, schema: dict[str, Any]) -> None:
    """Add ``Error`` (and ``ErrorCode``) to the components and each 4xx to each operation."""
    definitions = Error.model_json_schema(ref_template=REF)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.update(definitions.pop("$defs"))
    components["Error"] = definitions
    operations = _operations(api)
    for path, methods in schema["paths"].items():
        for method, described in methods.items():
            operation = operations[described["operationId"]]
            responses = described["responses"]
            for status in error_statuses(operation, method.upper(), path):
                responses[status] = _answer(status, responses.get(status))


class Swagger(NinjaSwagger):
    """ninja's Swagger UI page, from its own files and never a CDN.

    ninja draws this page through Django's templates only when it is an installed app, and
    otherwise reads the file named here: it is not one (settings.NINJA_DIR), so this names
    the page that loads its scripts from Coxa's static files.
    """

    template_cdn = str(ABS_TPL_PATH / "swagger.html")


class CoxaAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI lists each operation's error responses."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        declare_errors(self, schema)
        return schema

"""POST /fhir/ with a Bundle: a transaction (all or nothing) or a batch (each patient alone).

The same import as ``coxa import fhir`` (``interop.services.imports``): patients, hips still
in care, measurements, allergies and medicines. The answer is the matching response Bundle,
one entry for each entry asked, in order, with its status and, when not taken, why.
"""

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from coxa.accounts.access import guards_itself
from coxa.accounts.permissions import Op
from coxa.core import audit
from coxa.core.web import operation_outcome, outcome_body
from coxa.interop.domain.reading import entries_of
from coxa.interop.services.imports import (
    Outcome,
    TransactionRefused,
    import_resources,
    import_transaction,
)
from coxa.interop.views.answers import answer, caller

STATUS = {
    "registered": "201 Created",
    "opened": "201 Created",
    "recorded": "201 Created",
    "matched": "200 OK",
    "already-recorded": "200 OK",
    "skipped": "422 Unprocessable Entity",
    "refused": "400 Bad Request",
}


def _body(request: HttpRequest) -> dict[str, object] | JsonResponse:
    try:
        body = json.loads(request.body.decode("utf-8") or "null")
    except (UnicodeDecodeError, ValueError, RecursionError):
        return operation_outcome(400, "the body is not JSON")
    if not isinstance(body, dict) or body.get("resourceType") != "Bundle":
        return operation_outcome(400, "send a Bundle", expression="resourceType")
    if body.get("type") not in ("transaction", "batch"):
        return operation_outcome(400, "type: a transaction or a batch", expression="type")
    problem = _entries_problem(body.get("entry"))
    return problem if problem is not None else body


def _entries_problem(entries: object) -> JsonResponse | None:
    """Each entry must carry a resource to create (POST): the response answers each in order.

    An entry that deletes, reads or updates would otherwise be passed over, and the answers
    of the rest would stand against the wrong entries.
    """
    if entries is None:
        return None
    if not isinstance(entries, list):
        return operation_outcome(400, "entry: a list of entries", expression="entry")
    for number, entry in enumerate(entries):
        where = f"entry[{number}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("resource"), dict):
            return operation_outcome(
                400, f"{where}: Coxa imports resources; this entry has none", expression=where
            )
        request = entry.get("request")
        method = request.get("method", "POST") if isinstance(request, dict) else "POST"
        if method != "POST":
            return operation_outcome(
                400,
                f"{where}.request.method: Coxa's import creates or matches (POST), not {method}",
                expression=f"{where}.request.method",
            )
    return None


def _entry(outcome: Outcome | None) -> dict[str, object]:
    if outcome is None:
        return {"response": {"status": "400 Bad Request"}}
    response: dict[str, object] = {"status": STATUS[outcome.result]}
    if outcome.message:
        severity = "error" if outcome.result == "refused" else "warning"
        response["outcome"] = outcome_body(400, outcome.message, severity=severity)
    return {"response": response}


@guards_itself(Op.FHIR_IMPORT)
@csrf_exempt
def transaction(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return operation_outcome(405, "send a Bundle with POST", headers={"Allow": "POST"})
    who = caller(request, Op.FHIR_IMPORT)
    if isinstance(who, JsonResponse):
        return who
    body = _body(request)
    if isinstance(body, JsonResponse):
        return body
    resources = entries_of(body)
    try:
        if body["type"] == "transaction":
            outcomes = import_transaction(resources, by=who.user, via=audit.Via.API)
        else:
            outcomes = import_resources(resources, by=who.user, via=audit.Via.API)
    except TransactionRefused as refused:
        said = [
            f"{o.type}/{o.id}: {o.message}"
            for o in refused.outcomes
            if o.result in ("refused", "skipped")
        ]
        return operation_outcome(400, "nothing was kept: " + "; ".join(said))
    found = {(o.type, o.id): o for o in outcomes}
    entries = [_entry(found.get((str(r.get("resourceType")), str(r.get("id"))))) for r in resources]
    return answer({"resourceType": "Bundle", "type": f"{body['type']}-response", "entry": entries})

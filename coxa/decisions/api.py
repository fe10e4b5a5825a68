"""API: evaluate a decision document (stateless; nothing stored, no patient named)."""

from typing import Any

from django.http import HttpRequest
from ninja import Router

from coxa.accounts.api import actor
from coxa.accounts.api_access import allow
from coxa.accounts.permissions import Op
from coxa.catalogue.loader import get_catalogue
from coxa.decisions.domain.document import DecisionDocument, facts_of
from coxa.decisions.domain.engine import evaluate
from coxa.decisions.schemas import DecisionOut

router = Router(tags=["decisions"])


@router.post("/decisions", response=DecisionOut, auth=allow(Op.API_DECISION_EVALUATE))
def create_decision(request: HttpRequest, payload: DecisionDocument) -> dict[str, Any]:
    """Evaluate candidacy and readiness for one procedure on one hip.

    Nothing is stored: the document carries its own facts and names no patient. Measurements
    are `{"value", "unit"}` in UCUM units, converted or refused.
    """
    actor(request)
    catalogue = get_catalogue()
    facts = facts_of(
        payload,
        procedure_codes=tuple(catalogue.procedures),
        medicine_classes=catalogue.medicine_classes(),
    )
    return evaluate(facts, catalogue).as_dict(catalogue)

"""API: the questionnaires Coxa scores, with their items, answers and scoring."""

from typing import Any

from django.http import HttpRequest
from ninja import Router

from coxa.accounts.access import allow
from coxa.accounts.api import actor
from coxa.accounts.permissions import Op
from coxa.catalogue.loader import get_catalogue
from coxa.catalogue.schema_instruments import Instrument
from coxa.core.errors import ErrorCode, NotFound
from coxa.outcomes.schemas import InstrumentOut

router = Router(tags=["outcomes"])


def _out(instrument: Instrument) -> dict[str, Any]:
    data = instrument.model_dump()
    data["scoring"]["items_scored"] = list(instrument.scored_items)
    return data


@router.get("/instruments", response=list[InstrumentOut], auth=allow(Op.API_INSTRUMENTS))
def list_instruments(request: HttpRequest) -> list[dict[str, Any]]:
    """Every questionnaire: items, answer values and scoring (licensed wording is not given)."""
    actor(request)
    return [_out(i) for i in get_catalogue().instruments.values()]


@router.get("/instruments/{code}", response=InstrumentOut, auth=allow(Op.API_INSTRUMENT))
def read_instrument(request: HttpRequest, code: str) -> dict[str, Any]:
    """One questionnaire by its code (`hoos-jr`, `ucla`, `pain-nrs`, `oxford-hip`, `eq-5d-5l`)."""
    actor(request)
    instrument = get_catalogue().instruments.get(code)
    if instrument is None:
        raise NotFound(ErrorCode.UNKNOWN_INSTRUMENT, f"no questionnaire {code!r}", "code")
    return _out(instrument)

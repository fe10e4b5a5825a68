"""The procedures Coxa knows: the one place every other app asks.

Interim: this small registry stands until the YAML catalogue (issue 3) replaces its
insides. Callers use only ``procedure_codes``, ``get_procedure``, ``CATALOGUE_VERSION``
and ``catalogue_hash``, which the YAML catalogue will keep.
"""

import hashlib
import json
from dataclasses import asdict, dataclass


@dataclass(frozen=True, slots=True)
class Procedure:
    code: str
    title: str
    short_title: str
    # The procedure a failed one is converted to (DESIGN J11), or None if it has none.
    converts_to: str | None


CATALOGUE_VERSION = "0.1.0-interim"

_PROCEDURES: tuple[Procedure, ...] = (
    Procedure("bhr", "Birmingham Hip Resurfacing", "BHR", converts_to="total-hip-replacement"),
    Procedure(
        "core-decompression",
        "Core decompression of the femoral head",
        "Core decompression",
        converts_to="total-hip-replacement",
    ),
    Procedure("total-hip-replacement", "Total hip replacement", "THR", converts_to=None),
)
_BY_CODE = {p.code: p for p in _PROCEDURES}


def procedure_codes() -> tuple[str, ...]:
    return tuple(_BY_CODE)


def all_procedures() -> tuple[Procedure, ...]:
    return _PROCEDURES


def get_procedure(code: str) -> Procedure | None:
    return _BY_CODE.get(code)


def catalogue_hash() -> str:
    """A content hash of the catalogue, stored on each episode for provenance."""
    content = json.dumps([asdict(p) for p in _PROCEDURES], sort_keys=True)
    return hashlib.sha256(content.encode("utf-8")).hexdigest()

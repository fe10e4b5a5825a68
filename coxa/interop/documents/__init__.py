"""Coxa's records as FHIR R4 resources, each checked by fhir.resources before it leaves.

The models are imported in ``interop.domain.validation`` and nowhere else.
"""

from coxa.interop.domain.validation import checked

__all__ = ["checked"]

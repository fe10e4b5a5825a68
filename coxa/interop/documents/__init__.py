"""Coxa's records as FHIR R4 resources, each checked by fhir.resources before it leaves.

The models are fhir.resources' R4B release (8.x names R5 its default and refuses ordinary R4
resources; R4B takes them: stack-notes), imported here and nowhere else.
"""

from typing import Any

from fhir.resources.R4B import get_fhir_model_class


def checked(resource: dict[str, Any]) -> dict[str, Any]:
    """The resource, once fhir.resources has validated it (a ValidationError is Coxa's bug)."""
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    return resource

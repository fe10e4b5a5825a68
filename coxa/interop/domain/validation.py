"""FHIR resources checked against FHIR's own definitions, by fhir.resources.

The models are fhir.resources' R4B release (8.x names R5 its default and refuses ordinary R4
resources; R4B takes them: stack-notes), imported here and nowhere else: what Coxa sends is
checked before it leaves (``checked``), what it is sent before it is read (``problem_of``).
They are loaded on the first check, not with the URL map: a quarter of a second that no page
but the FHIR API's needs (issue 20).
"""

from typing import Any

from pydantic import ValidationError


def checked(resource: dict[str, Any]) -> dict[str, Any]:
    """The resource, once fhir.resources has validated it (a ValidationError is Coxa's bug)."""
    from fhir.resources.R4B import get_fhir_model_class  # noqa: PLC0415

    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    return resource


def problem_of(resource: dict[str, Any]) -> str | None:
    """Why a resource sent to Coxa is not valid FHIR R4, in a sentence; None when it is."""
    from fhir.resources.R4B import get_fhir_model_class  # noqa: PLC0415

    try:
        model = get_fhir_model_class(str(resource.get("resourceType")))
    except KeyError:
        return f"{resource.get('resourceType')!r} is not a FHIR resource type"
    try:
        model.model_validate(resource)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ()) if part != "__root__")
        return f"not valid FHIR R4 ({where or 'the resource'}: {first.get('msg', 'invalid')})"
    return None

"""Interoperability: the FHIR R4 API (/fhir/), bulk export and import (issue 19)."""

"""`coxa import fhir`."""

"""Pure parts of the CDS Hooks service: FHIR prefetch to facts, decisions to cards."""

"""What the FHIR interface changes: a bulk export (``export``), records imported (``imports``)."""

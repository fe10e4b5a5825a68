"""Outcomes rules: scoring questionnaires and reading change. Pure."""

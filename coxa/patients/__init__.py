"""Patients: identity, demographics, identifiers and contact details."""

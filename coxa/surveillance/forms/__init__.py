"""Surveillance's page forms, one module per page."""

"""Outcomes' page forms, one module per page."""

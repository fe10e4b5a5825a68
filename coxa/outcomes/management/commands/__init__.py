"""Outcomes commands."""

"""Outcomes' write paths, each one transaction and one audit record."""

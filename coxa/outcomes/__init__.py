"""Outcomes: questionnaires (patient-reported outcomes) and how each hip fares over the years."""

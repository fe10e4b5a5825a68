"""Decisions: explainable candidacy and readiness for a procedure on one hip (DESIGN J3, J4)."""

"""Pre-operative assessment and optimisation: the nurse's clinic, readiness, medication stops."""

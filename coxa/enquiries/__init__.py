"""Consultation requests: the public form and the staff's triage queue (issue 17)."""

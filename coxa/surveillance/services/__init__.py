"""The surveillance services: one write path per clinical event."""

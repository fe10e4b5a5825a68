"""Assessment commands."""

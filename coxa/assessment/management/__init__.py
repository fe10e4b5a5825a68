"""Management commands of the assessment app."""

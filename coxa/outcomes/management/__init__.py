"""Commands of the outcomes app."""

"""Management commands of the catalogue app."""

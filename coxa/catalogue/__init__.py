"""The procedure catalogue: the procedures Coxa knows and, later, their pathways as data."""

"""Deterministic synthetic demo data, recorded through Coxa's own services."""

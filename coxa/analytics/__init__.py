"""Registry analytics: survival, competing risks and outliers (DESIGN J13)."""

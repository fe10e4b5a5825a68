"""Metal-on-metal surveillance: every resurfaced hip followed for life (J12, issue 15)."""

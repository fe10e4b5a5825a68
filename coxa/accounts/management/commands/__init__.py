"""`coxa` commands for accounts."""

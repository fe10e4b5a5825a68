"""`coxa evaluate`."""

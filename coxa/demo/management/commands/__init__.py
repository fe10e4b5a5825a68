"""`coxa demo`."""

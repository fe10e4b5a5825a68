"""`coxa catalogue`."""

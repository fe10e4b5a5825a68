"""`coxa instruments`."""

"""coxa commands of surveillance."""

"""Surgery's write paths, each one transaction and one audit record."""

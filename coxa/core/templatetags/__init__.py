"""Template tags with no clinical meaning (``submission``: one-time form keys)."""

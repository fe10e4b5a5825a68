"""Staff and patient user accounts, roles, API tokens."""

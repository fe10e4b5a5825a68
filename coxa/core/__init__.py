"""Shared kernel: audit, clock, errors, public ids. Admission rule in README.md."""

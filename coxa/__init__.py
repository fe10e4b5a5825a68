"""Coxa: software for a hip-preservation surgery service."""

__version__ = "0.1.0"

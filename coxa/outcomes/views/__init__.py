"""Outcomes' staff pages, one module per page."""

from coxa.outcomes.views.endpoints import conversion_view, death_view

__all__ = ["conversion_view", "death_view"]

"""Outcomes' staff pages, one module per page."""

from coxa.outcomes.views.complications import complications_page, strike_out_view

__all__ = ["complications_page", "strike_out_view"]

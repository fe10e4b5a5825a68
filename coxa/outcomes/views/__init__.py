"""Outcomes' staff pages, one module per page."""

from coxa.outcomes.views.complications import complications_page, strike_out_view
from coxa.outcomes.views.reviews import reviews_page, strike_out_page

__all__ = ["complications_page", "reviews_page", "strike_out_page", "strike_out_view"]

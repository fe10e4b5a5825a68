"""``{% submission_key %}``: the hidden one-time key of a create form (core/idempotency.py)."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from coxa.core.idempotency import FIELD, new_key

register = template.Library()


@register.simple_tag
def submission_key() -> SafeString:
    """A fresh key each time the form is drawn; sending the form twice makes one record."""
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, new_key())

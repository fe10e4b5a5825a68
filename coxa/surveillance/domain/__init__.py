"""The pure rules of metal-on-metal surveillance: no Django, no database."""

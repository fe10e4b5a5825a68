"""Commands of the interoperability app."""

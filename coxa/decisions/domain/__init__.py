"""The decision engine. Pure: no Django, no I/O; the catalogue is passed in."""

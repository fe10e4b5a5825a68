"""The one seam for "now" and "today".

``replaying(moment)`` sets the clock for the code inside it, so that history can be
recorded through the ordinary services with its real dates (the demo generator, imports
of past records). Nothing else moves the clock.
"""

import contextlib
import contextvars
import datetime as dt
from collections.abc import Iterator

from django.utils import timezone

_override: contextvars.ContextVar[dt.datetime | None] = contextvars.ContextVar(
    "coxa_clock_override", default=None
)


def now() -> dt.datetime:
    """Return the current time, timezone-aware."""
    return _override.get() or timezone.now()


def today() -> dt.date:
    """Return today's date in the service's time zone (settings.TIME_ZONE)."""
    return timezone.localdate(now())


@contextlib.contextmanager
def replaying(moment: dt.datetime) -> Iterator[None]:
    """Run the enclosed code as if it were ``moment`` (timezone-aware, not in the future)."""
    if timezone.is_naive(moment):
        raise ValueError("replaying needs a timezone-aware moment")
    token = _override.set(moment)
    try:
        yield
    finally:
        _override.reset(token)

"""Filters for log lines: what must never be written to a log, and what every line carries.

Every line carries the id of the request it was written in (``RequestContext``), so the lines
of one request can be found together and matched with the ``X-Request-ID`` its answer gave.
"""

import contextvars
import logging
import re

# The request being answered in this thread or task: its id, and who asked (set by
# ``config.middleware.RequestLog``; empty outside a request, in a command or a job).
REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("coxa_request_id", default="")


class RequestContext(logging.Filter):
    """Put the current request's id on every log record (``request_id``; "" outside one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = REQUEST_ID.get()
        return True


class HideLinkTokens(logging.Filter):
    """Hide the token of a one-time link in a log line (questionnaires H64, invitations H81).

    Django's request logger names the path of a refused request ("Bad Request:
    /questionnaire/<token>/"), and a link refused for a bad answer still works: the token is
    replaced before the line is written, in the message and in its arguments.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _hide(record.msg) if isinstance(record.msg, str) else record.msg
        if isinstance(record.args, tuple):
            record.args = tuple(_hide(a) if isinstance(a, str) else a for a in record.args)
        return True


# A questionnaire link's token, and a portal invitation's (H81: the same treatment).
_LINK_TOKEN = re.compile(r"(/questionnaire/|/portal/welcome/)[^/\s]+")


def _hide(text: str) -> str:
    return _LINK_TOKEN.sub(r"\1[hidden]", text)

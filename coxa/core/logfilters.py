"""Filters for log lines: what must never be written to a log."""

import logging
import re


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

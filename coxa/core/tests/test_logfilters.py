"""A one-time questionnaire link's token never reaches a log line (H64)."""

import logging

from coxa.core.logfilters import HideLinkTokens


def test_the_token_in_a_refused_requests_path_is_hidden():
    record = logging.LogRecord(
        "django.request",
        logging.WARNING,
        __file__,
        1,
        "Bad Request: %s",
        ("/questionnaire/Zm9vYmFyYmF6cXV4cXV1eA/",),
        None,
    )
    assert HideLinkTokens().filter(record)
    assert record.getMessage() == "Bad Request: /questionnaire/[hidden]/"


def test_other_lines_are_left_as_they_are():
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Not Found: /staff/episodes/", (), None
    )
    HideLinkTokens().filter(record)
    assert record.getMessage() == "Not Found: /staff/episodes/"


def test_the_console_handler_carries_the_filter(settings):
    assert "hide_link_tokens" in settings.LOGGING["handlers"]["console"]["filters"]

"""How Coxa logs (``settings.LOGGING``): one filtered console, JSON or text (issue 18)."""

from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS


def logging_config(log_format: str, level: str) -> dict[str, Any]:
    """The ``LOGGING`` dictionary for ``log_format`` ("json" or "text") at ``level``."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        # A one-time link's token (a questionnaire's, H64; an invitation's, H81) never reaches a
        # log: every handler that can print a request's path has the filter. Django's own
        # handlers are replaced: its "django" console and mail_admins (no ADMINS are set, and an
        # admin email would carry the path) give way to the root's console, and runserver's
        # "django.server" lines are filtered too.
        # Every line carries its request's id (logfilters.RequestContext). As JSON objects, one a
        # line (COXA_LOG_FORMAT=json, the default without COXA_DEBUG), for a log collector; as
        # text on a developer's console.
        "filters": {
            "hide_link_tokens": {"()": "coxa.core.logfilters.HideLinkTokens"},
            "request_context": {"()": "coxa.core.logfilters.RequestContext"},
        },
        "formatters": {
            "django.server": {
                "()": "django.utils.log.ServerFormatter",
                "format": "[{server_time}] {message}",
                "style": "{",
            },
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": "{levelname}{name}{message}{request_id}",
                "style": "{",
                "timestamp": "time",  # ISO 8601 in UTC
                "rename_fields": {"levelname": "level", "name": "logger"},
                # Django's request logger attaches the request itself, whose text holds the
                # query string (a search term): never written (nor taskName, Python's own).
                "reserved_attrs": [*RESERVED_ATTRS, "request", "taskName"],
            },
            "text": {
                "format": "{asctime} {levelname} {name} [{request_id}] {message}",
                "style": "{",
            },
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "filters": ["hide_link_tokens", "request_context"],
                "formatter": log_format,
            },
            "django.server": {
                "class": "logging.StreamHandler",
                "formatter": "django.server",
                "filters": ["hide_link_tokens"],
            },
        },
        "loggers": {
            "django": {"handlers": [], "level": "INFO"},  # to the root's filtered console
            "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
            # WeasyPrint names each step of each PDF at INFO: six lines a letter, thousands
            # for a print run of letters (surveillance.tasks). Its warnings still show.
            "weasyprint.progress": {"level": "WARNING"},
        },
        "root": {"handlers": ["console"], "level": level},
    }

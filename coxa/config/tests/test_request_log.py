"""One log line a request, as JSON: time, level, request id, user, role, method, route
template, status and duration; the id returned in X-Request-ID; never a name, an NHS number, a
query string or a search term (issue 18)."""

import json
import logging
import re

import pytest
from django.conf import settings
from pythonjsonlogger.json import JsonFormatter

from coxa.core.logfilters import RequestContext

pytestmark = pytest.mark.django_db
HEX_ID = re.compile(r"[0-9a-f]{32}")


def _json_formatter() -> JsonFormatter:
    options = dict(settings.LOGGING["formatters"]["json"])
    options.pop("()")
    return JsonFormatter(**options)


def _lines(caplog) -> list[dict]:
    """Every record of the request, as the JSON formatter writes it."""
    formatter, context = _json_formatter(), RequestContext()
    out = []
    for record in caplog.records:
        context.filter(record)
        out.append(json.loads(formatter.format(record)))
    return out


def _request_line(caplog) -> dict:
    (line,) = [x for x in _lines(caplog) if x["logger"] == "coxa.request"]
    return line


def test_a_request_gets_one_line_with_its_fields_and_its_id_in_the_answer(client, caplog):
    with caplog.at_level(logging.INFO):
        response = client.get("/procedures/bhr/")
    assert response.status_code == 200
    request_id = response["X-Request-ID"]
    assert HEX_ID.fullmatch(request_id)
    line = _request_line(caplog)
    assert line["request_id"] == request_id
    assert (line["method"], line["route"], line["status"]) == (
        "GET",
        "procedures/<slug:code>/",
        200,
    )
    assert line["level"] == "INFO"
    assert line["message"].startswith("GET procedures/<slug:code>/ 200 in ")
    assert line["time"].endswith("+00:00")  # ISO 8601, UTC
    assert line["duration_ms"] >= 0
    assert (line["user_id"], line["role"]) == (None, "")


def test_the_route_template_is_logged_never_the_path_or_the_query(nurse, web_as, ada, caplog):
    client = web_as(nurse)
    with caplog.at_level(logging.INFO):
        client.get(f"/staff/patients/{ada.public_id}/")
        client.get("/staff/patients/", {"q": "Lovelace"})
    written = json.dumps(_lines(caplog))
    assert str(ada.public_id) not in written
    assert "Lovelace" not in written  # the search term
    assert ada.given_name not in written
    routes = [x["route"] for x in _lines(caplog) if x["logger"] == "coxa.request"]
    assert "staff/patients/<uuid:patient_id>/" in routes
    line = [x for x in _lines(caplog) if x["logger"] == "coxa.request"][-1]
    assert (line["user_id"], line["role"]) == (nurse.pk, "nurse")


def test_a_request_refused_with_an_error_keeps_its_query_out_of_the_log(nurse, web_as, caplog):
    """Django's own lines about a refused request carry the request: it is never written."""
    with caplog.at_level(logging.INFO):
        web_as(nurse).get("/staff/episodes/", {"state": "Lovelace"})
    assert "Lovelace" not in json.dumps(_lines(caplog))


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("proxy-1234abcd", True),  # a proxy's plain id: kept, so its log and ours match
        ("short", False),
        ("a id with spaces", False),
        ("x" * 65, False),
        ("evil\r\nSet-Cookie: a=b", False),
    ],
)
def test_an_id_given_by_a_proxy_is_kept_only_when_it_is_plain(client, sent, kept, caplog):
    with caplog.at_level(logging.INFO):
        response = client.get("/", HTTP_X_REQUEST_ID=sent)
    assert (response["X-Request-ID"] == sent) is kept
    if not kept:
        assert HEX_ID.fullmatch(response["X-Request-ID"])
    assert _request_line(caplog)["request_id"] == response["X-Request-ID"]


def test_every_line_written_during_a_request_carries_its_id(client, caplog):
    with caplog.at_level(logging.INFO):
        response = client.get("/no-such-page/")
    assert response.status_code == 404
    ids = {x["request_id"] for x in _lines(caplog)}
    assert ids == {response["X-Request-ID"]}


def test_outside_a_request_a_line_has_an_empty_id(client):
    from coxa.core.logfilters import REQUEST_ID

    client.get("/")
    assert REQUEST_ID.get() == ""  # forgotten once the answer was closed
    record = logging.LogRecord("coxa", logging.INFO, __file__, 1, "a job ran", None, None)
    RequestContext().filter(record)
    line = json.loads(_json_formatter().format(record))
    assert line["request_id"] == ""
    assert line["message"] == "a job ran"


def test_a_log_format_other_than_json_or_text_stops_start_up_naming_the_setting():
    import os
    import subprocess
    import sys

    clean = {k: v for k, v in os.environ.items() if not k.startswith("COXA_")}
    done = subprocess.run(
        [sys.executable, "-c", "import coxa.config.settings"],
        env=clean | {"COXA_DEBUG": "true", "COXA_LOG_FORMAT": "xml"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0
    assert "COXA_LOG_FORMAT" in done.stderr

"""A person's browser and an API client, asking whichever web process they are sent to.

The cookies are kept here and sent to any process asked, as a load balancer in front of
several web processes does: a session made by one is presented to another. Redirects are
not followed, so each answer is the process's own.
"""

import html
import http.client
import json
import re
import time
import urllib.parse
from dataclasses import dataclass, field
from email.message import Message
from http.cookies import SimpleCookie
from typing import Any

TIMEOUT = 60.0  # seconds for any one answer
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PASSWORD = "coxa-demo"  # the demo's published password (coxa demo, COXA_DEBUG on)


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Message
    text: str
    seconds: float  # how long the answer took, for the report (never asserted)

    @property
    def location(self) -> str:
        return str(self.headers.get("Location", ""))

    def json(self) -> Any:
        return json.loads(self.text)


def send(
    base: str,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> Answer:
    parsed = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(str(parsed.hostname), parsed.port, timeout=TIMEOUT)
    started = time.perf_counter()
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        text = response.read().decode("utf-8", errors="replace")
    finally:
        connection.close()
    return Answer(response.status, response.headers, text, time.perf_counter() - started)


@dataclass
class Browser:
    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, base: str, method: str, path: str, form: dict[str, str] | None) -> Answer:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        answer = send(base, method, path, body, headers)
        for line in answer.headers.get_all("Set-Cookie") or []:
            self._keep(line)
        return answer

    def _keep(self, line: str) -> None:
        for name, morsel in SimpleCookie(line).items():
            if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel.value

    def get(self, base: str, path: str) -> Answer:
        return self.request(base, "GET", path, None)

    def post_form(self, base: str, path: str, page: Answer, form: dict[str, str]) -> Answer:
        """Post ``form`` as the form on ``page`` would, with the CSRF token it carries."""
        found = CSRF_INPUT.search(page.text)
        assert found, f"no CSRF token on the page before {path}"
        token = html.unescape(found.group(1))
        return self.request(base, "POST", path, {"csrfmiddlewaretoken": token, **form})

    def sign_in(self, base: str, username: str) -> Answer:
        """Sign in through the sign-in form with the demo's password; the redirect after it."""
        page = self.get(base, "/accounts/login/")
        assert page.status == 200, page.status
        answer = self.post_form(
            base, "/accounts/login/", page, {"username": username, "password": PASSWORD}
        )
        assert answer.status == 302, f"signing in as {username}: {answer.status}"
        assert "sessionid" in self.cookies, "no session cookie after signing in"
        return answer

    def sign_out(self, base: str) -> Answer:
        """The "Sign out" button of a staff page."""
        page = self.get(base, "/staff/")
        assert page.status == 200, page.status
        return self.post_form(base, "/accounts/logout/", page, {})


def token_for(base: str, username: str) -> str:
    """A bearer token from the API's sign-in (POST /api/v1/auth/token)."""
    body = json.dumps({"username": username, "password": PASSWORD}).encode()
    answer = send(base, "POST", "/api/v1/auth/token", body, {"Content-Type": "application/json"})
    assert answer.status == 200, answer.text
    return str(answer.json()["token"])


def api_post(base: str, path: str, token: str, payload: dict[str, Any], key: str) -> Answer:
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
        "Idempotency-Key": key,
    }
    return send(base, "POST", path, json.dumps(payload).encode(), headers)

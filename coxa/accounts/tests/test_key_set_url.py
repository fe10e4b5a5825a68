"""A system's keys at its own URL: fetched with a short timeout, cached as it allows, rotated."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlencode

import pytest

from coxa.accounts.services import systems
from coxa.accounts.tests.systems import Signer, connect, key_pair

pytestmark = pytest.mark.django_db


class KeyServer:
    """A JWK Set served on this host by a server the test starts (SMART's preferred way)."""

    def __init__(self) -> None:
        self.keys: list[dict] = []
        self.cache_control = "max-age=600"
        self.fetches = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.fetches += 1
                body = json.dumps({"keys": server.keys}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Cache-Control", server.cache_control)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}/jwks.json"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()


@pytest.fixture
def key_server():
    server = KeyServer()
    yield server
    server.close()


def _by_url(server: KeyServer, kid: str = "key-1") -> Signer:
    private, public = key_pair(kid=kid)
    server.keys = [public]
    signer = connect(jwks_url=server.url)
    return Signer(signer.client, private, kid=kid)


def ask(client, assertion):
    form = {
        "grant_type": "client_credentials",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": assertion,
        "scope": "system/*.rs",
    }
    return client.post(
        "/oauth/token", urlencode(form), content_type="application/x-www-form-urlencoded"
    )


def test_keys_at_a_url_are_fetched_once_and_kept_as_long_as_its_answer_allows(client, key_server):
    signer = _by_url(key_server)
    assert ask(client, signer.assertion()).status_code == 200
    assert ask(client, signer.assertion()).status_code == 200
    assert key_server.fetches == 1


def test_keys_the_url_says_not_to_keep_are_fetched_each_time(client, key_server):
    key_server.cache_control = "no-store"
    signer = _by_url(key_server)
    assert ask(client, signer.assertion()).status_code == 200
    assert ask(client, signer.assertion()).status_code == 200
    assert key_server.fetches == 2


def test_a_rotated_key_is_found_by_fetching_again_at_most_once_a_minute(
    client, key_server, time_machine
):
    time_machine.move_to("2026-12-01 09:00:00+00:00", tick=False)
    signer = _by_url(key_server)
    assert ask(client, signer.assertion()).status_code == 200
    private, public = key_pair(kid="key-2")
    key_server.keys = [public]  # the system rotates its key
    rotated = Signer(signer.client, private, kid="key-2")
    assert ask(client, rotated.assertion()).status_code == 401  # the cache is too young
    time_machine.move_to("2026-12-01 09:01:30+00:00", tick=False)
    assert ask(client, rotated.assertion()).status_code == 200
    assert key_server.fetches == 2


def test_an_unreachable_or_private_key_set_is_invalid_client(client, key_server):
    signer = _by_url(key_server)
    key_server.keys = [key_server.keys[0] | {"d": "c2VjcmV0"}]
    answer = ask(client, signer.assertion())
    assert answer.status_code == 401
    assert "private key's member" in answer.json()["error_description"]
    key_server.close()
    systems.cache.clear()
    answer = ask(client, signer.assertion())
    assert answer.status_code == 401
    assert "could not be read" in answer.json()["error_description"]

"""Behind reverse proxies the lock-out counts by the client's address (COXA_TRUSTED_PROXY_COUNT).

Without the setting X-Forwarded-For is ignored, so that a client cannot choose its address.
The settings are read in a fresh process from the environment, as in production, then the
sign-in is driven with them.
"""

import json
import os
import secrets
import subprocess
import sys

import pytest
from axes.models import AccessAttempt
from django.test import Client

from coxa.core.models import AuditEvent

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"
WRONG = "not-the-password"
LIMIT = 5
PROXY = "10.0.0.2"  # the nearest proxy: every connection comes from it
MAPPED = ["AXES_IPWARE_PROXY_COUNT", "AXES_IPWARE_META_PRECEDENCE_ORDER", "IPWARE_STRICT"]


def axes_settings(tmp_path, **variables: str) -> dict[str, object]:
    """The proxy settings Coxa gives axes for this environment (absent ones left out)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COXA_", "DJANGO_"))}
    env |= {
        "COXA_SECRET_KEY": secrets.token_urlsafe(50),
        "COXA_ALLOWED_HOSTS": "coxa.example.org",
        "COXA_VAR_DIR": str(tmp_path),
        **variables,
    }
    script = (
        "import json; from coxa.config import settings as s; "
        f"print(json.dumps({{n: getattr(s, n) for n in {MAPPED!r} if hasattr(s, n)}}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    shown: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return shown


def behind(settings, tmp_path, count: str | None) -> None:
    variables = {} if count is None else {"COXA_TRUSTED_PROXY_COUNT": count}
    for name, value in axes_settings(tmp_path, **variables).items():
        setattr(settings, name, tuple(value) if isinstance(value, list) else value)


def token_request(forwarded_for: str | None, password: str = PASSWORD, proxy: str = PROXY):
    headers = {} if forwarded_for is None else {"X-Forwarded-For": forwarded_for}
    return Client(REMOTE_ADDR=proxy, headers=headers).post(
        "/api/v1/auth/token",
        {"username": "nia", "password": password},
        content_type="application/json",
    )


def lock_out(forwarded_for: str | None, proxy: str = PROXY) -> None:
    for _ in range(LIMIT):
        token_request(forwarded_for, WRONG, proxy)
    assert token_request(forwarded_for, proxy=proxy).status_code == 429


# ------------------------------------------------------------------ the mapping
def test_without_the_setting_only_the_connections_address_counts(tmp_path):
    assert axes_settings(tmp_path) == {"AXES_IPWARE_META_PRECEDENCE_ORDER": ["REMOTE_ADDR"]}
    assert axes_settings(tmp_path, COXA_TRUSTED_PROXY_COUNT="0") == axes_settings(tmp_path)


@pytest.mark.parametrize(("count", "listed"), [("1", 0), ("2", 1), ("3", 2)])
def test_the_proxy_count_maps_to_axes_ipware_settings(tmp_path, count, listed):
    assert axes_settings(tmp_path, COXA_TRUSTED_PROXY_COUNT=count) == {
        "AXES_IPWARE_PROXY_COUNT": listed,  # the nearest proxy is the connection, not listed
        "AXES_IPWARE_META_PRECEDENCE_ORDER": ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"],
        "IPWARE_STRICT": False,
    }


@pytest.mark.parametrize("bad", ["-1", "one", "1.5"])
def test_a_proxy_count_that_is_not_a_whole_number_stops_start_up(tmp_path, bad):
    with pytest.raises(AssertionError, match="COXA_TRUSTED_PROXY_COUNT"):
        axes_settings(tmp_path, COXA_TRUSTED_PROXY_COUNT=bad)


# ------------------------------------------------------------------ behind one proxy
def test_behind_a_proxy_two_clients_are_locked_out_separately(settings, tmp_path, nurse):
    behind(settings, tmp_path, "1")
    lock_out("198.51.100.7")
    assert token_request("198.51.100.8").status_code == 200
    assert token_request("198.51.100.7").status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}
    failed = AuditEvent.objects.filter(action="auth.sign-in-failed")
    assert {e.details["ip"] for e in failed} == {"198.51.100.7"}


def test_behind_a_proxy_a_client_cannot_claim_anothers_address(settings, tmp_path, nurse):
    behind(settings, tmp_path, "1")
    lock_out("198.51.100.7")
    # The locked-out client writes the other's address; the proxy appends the real one.
    assert token_request("198.51.100.8, 198.51.100.7").status_code == 429
    # Nor can it lock the other client out by writing its address.
    lock_out("198.51.100.8, 198.51.100.9")
    assert token_request("198.51.100.8").status_code == 200


def test_behind_two_proxies_the_client_is_the_address_the_first_added(settings, tmp_path, nurse):
    behind(settings, tmp_path, "2")
    lock_out("198.51.100.7, 10.0.0.9")
    assert token_request("198.51.100.8, 10.0.0.9").status_code == 200
    assert token_request("198.51.100.8, 198.51.100.7, 10.0.0.9").status_code == 429


# ------------------------------------------------------------------ without the setting
def test_without_the_setting_the_header_is_ignored(settings, tmp_path, nurse):
    behind(settings, tmp_path, None)
    lock_out("198.51.100.7")
    # Behind a proxy left unconfigured both clients are one address: the lock is shared.
    assert token_request("198.51.100.8").status_code == 429
    assert token_request(None).status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {PROXY}


def test_without_the_setting_a_client_cannot_choose_its_address(settings, tmp_path, nurse):
    behind(settings, tmp_path, None)
    lock_out("198.51.100.8", proxy="203.0.113.9")  # a client reached directly, claiming another
    assert token_request(None, proxy="203.0.113.9").status_code == 429
    assert token_request("198.51.100.77", proxy="203.0.113.9").status_code == 429
    assert token_request("203.0.113.9", proxy="198.51.100.8").status_code == 200
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.9"}

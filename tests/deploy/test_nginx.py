"""deploy/nginx/coxa.conf: nginx accepts it, and it says to Coxa what Coxa's settings expect.

`nginx -t` runs where nginx is installed (Debian's nginx-light will do), on a copy whose
certificate and log paths point into a temporary folder with a throwaway self-signed pair.
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONF = (ROOT / "deploy" / "nginx" / "coxa.conf").read_text()
# The configuration without its comments.
ACTIVE = "\n".join(line.split("#", 1)[0] for line in CONF.splitlines())


def servers() -> list[str]:
    return re.split(r"\nserver \{", ACTIVE)[1:]


def tls_server() -> str:
    (found,) = [s for s in servers() if "ssl_certificate " in s]
    return found


@pytest.mark.skipif(
    not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()) or not shutil.which("openssl"),
    reason="nginx or openssl is not installed",
)
def test_nginx_accepts_the_configuration(tmp_path):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    subprocess.run(
        [
            shutil.which("openssl") or "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=coxa.example.org",
            "-keyout",
            str(tmp_path / "key.pem"),
            "-out",
            str(tmp_path / "cert.pem"),
        ],
        capture_output=True,
        check=True,
    )
    copy = (
        CONF.replace("/etc/ssl/coxa/fullchain.pem", str(tmp_path / "cert.pem"))
        .replace("/etc/ssl/coxa/privkey.pem", str(tmp_path / "key.pem"))
        .replace("/var/log/nginx/", f"{tmp_path}/")
    )
    (tmp_path / "coxa.conf").write_text(copy)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n    include {tmp_path}/coxa.conf;\n}}\n"
    )
    done = subprocess.run(
        [
            nginx,
            "-t",
            "-q",
            "-e",
            str(tmp_path / "error.log"),
            "-p",
            str(tmp_path),
            "-c",
            str(tmp_path / "nginx.conf"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_it_tells_coxa_the_scheme_and_appends_the_clients_address():
    # COXA_TRUSTED_PROXY_HEADER=X-Forwarded-Proto: overwritten on every request, never passed on.
    # COXA_TRUSTED_PROXY_COUNT=1: the client's address appended on the right.
    for server in servers():
        assert "proxy_set_header X-Forwarded-Proto $scheme;" in server
        assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in server
        assert "proxy_set_header Host $host;" in server
        assert "proxy_set_header X-Request-ID $request_id;" in server
    example = (ROOT / "deploy" / "coxa.env.example").read_text()
    assert "COXA_TRUSTED_PROXY_HEADER=X-Forwarded-Proto\n" in example
    assert "COXA_TRUSTED_PROXY_COUNT=1\n" in example


def test_tls_only_modern_protocols_and_hsts_on_every_answer():
    server = tls_server()
    assert "ssl_protocols TLSv1.2 TLSv1.3;" in server
    assert (
        'add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;'
        in server
    )
    # An add_header inside a location would drop the server's HSTS there.
    for location in re.findall(r"location [^{]+\{[^}]*\}", server):
        assert "add_header" not in location, location


def test_plain_http_redirects_all_but_the_health_check():
    (plain,) = [s for s in servers() if "listen 80;" in s]
    assert "return 301 https://$host$request_uri;" in plain
    assert re.search(r"location = /healthz \{[^}]*proxy_pass http://coxa;", plain)


def test_metrics_only_from_listed_networks():
    (metrics,) = re.findall(r"location = /metrics \{([^}]*)\}", tls_server())
    rules = [line.strip() for line in metrics.splitlines() if line.strip()]
    assert rules[-2:] == ["deny all;", "proxy_pass http://coxa;"]
    assert all(r.startswith("allow ") and "0.0.0.0/0" not in r for r in rules[:-2])
    assert "allow all" not in ACTIVE
    # The server's X-Forwarded-For reaches Coxa: with no token set it answers only requests
    # that came through no proxy (ADR 0031), so one here must not drop the header.
    assert "proxy_set_header" not in metrics
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in tls_server()


def test_no_access_line_names_the_path_or_the_query():
    # A one-time link's token is in the path (H64, H81, H86).
    (log_format,) = re.findall(r"log_format coxa ((?:'[^']*'\s*)+);", ACTIVE)
    for variable in ("$request ", "$request_uri", "$uri", "$args", "$query_string", "$arg_"):
        assert variable not in f"{log_format} ", variable
    assert "$request_id" in log_format
    for server in servers():
        assert re.findall(r"access_log ([^;]+);", server) == ["/var/log/nginx/coxa-access.log coxa"]


def test_gunicorn_gets_a_request_id_it_keeps_and_decides_timeouts_itself():
    server = tls_server()
    assert "proxy_set_header X-Request-ID $request_id;" in server
    read = int(re.search(r"proxy_read_timeout (\d+)s;", server).group(1))
    assert read > 30  # gunicorn's timeout (COXA_WEB_TIMEOUT)
    # As large as Coxa's own limit (COXA_MAX_REQUEST_BYTES: 1 MiB), so Coxa's 413 is the answer.
    assert "client_max_body_size 1m;" in server

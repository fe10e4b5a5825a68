"""The container's health check: GET /healthz from inside, exit 0 on 200, else 1.

The image has no curl; this is the standard library only. It asks under a host name Coxa
answers to (the first of ``COXA_ALLOWED_HOSTS``), or Django would refuse the request with
400, and on the port of ``COXA_WEB_BIND``. ``/healthz`` is never redirected to https.
"""

import http.client
import os
import sys

TIMEOUT_SECONDS = 4


def host_header(allowed_hosts: str) -> str:
    """A host name Django will accept: the first allowed one (".example.org" matches itself)."""
    for name in (h.strip() for h in allowed_hosts.split(",")):
        if name and name != "*":
            return name.lstrip(".")
    return "localhost"


def port_of(bind: str) -> int:
    """The TCP port of a gunicorn bind address ("0.0.0.0:8000", "[::]:8000", "8000")."""
    _, _, port = bind.strip().rpartition(":")
    return int(port) if port.isdigit() else 8000


def main() -> int:
    port = port_of(os.environ.get("COXA_WEB_BIND", "") or "127.0.0.1:8000")
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT_SECONDS)
    try:
        connection.request(
            "GET",
            "/healthz",
            headers={"Host": host_header(os.environ.get("COXA_ALLOWED_HOSTS", ""))},
        )
        status = connection.getresponse().status
    except OSError as error:
        sys.stderr.write(f"healthz: {error}\n")
        return 1
    finally:
        connection.close()
    if status != 200:  # noqa: PLR2004
        sys.stderr.write(f"healthz answered {status}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`coxa audit verify` on SQLite blocks no writer, from a fresh process as from the CLI.

Coxa's SQLite transactions begin IMMEDIATE (the write lock, RESERVED, at once). The walk
must begin DEFERRED instead, and Django sets the mode from the settings when it connects:
a walk that connected inside its own transaction took the write lock for the whole walk,
and every writer waited and then failed with "database is locked" (ADR 0011).
"""

import json
import os
import subprocess
import sys
import textwrap

# Run in a fresh process with Coxa's own settings on a file database: migrate, record, close
# the connection (`coxa audit verify` starts without one), then walk one record at a time,
# and after each chunk try to take the write lock from another connection without waiting.
WALK = textwrap.dedent(
    """
    import json, sqlite3, django
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from coxa.core import audit
    from coxa.core.audit_verify import verify

    call_command("migrate", verbosity=0)
    for n in range(3):
        audit.record(actor=None, action="job.run", object_type="job", object_id=str(n))
    connection.close()
    seen = []

    def write_meanwhile(progress):
        writer = sqlite3.connect(settings.DATABASES["default"]["NAME"], timeout=0)
        try:
            writer.execute("BEGIN IMMEDIATE")
            writer.execute("CREATE TABLE IF NOT EXISTS written_during_the_walk (n INTEGER)")
            writer.execute("INSERT INTO written_during_the_walk VALUES (?)", [progress.records])
            writer.commit()
            seen.append("written")
        except sqlite3.OperationalError as error:
            seen.append(str(error))
        finally:
            writer.close()

    verdict = verify(chunk=1, report=write_meanwhile)
    print(json.dumps({"ok": verdict.ok, "verified": verdict.verified, "writers": seen}))
    """
)


def test_a_walk_from_a_fresh_connection_lets_writers_write(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "COXA_DATABASE_URL"} | {
        "DJANGO_SETTINGS_MODULE": "coxa.config.settings",
        "COXA_DEBUG": "true",
        "COXA_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-c", WALK], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 0, result.stderr
    walked = json.loads(result.stdout.strip().splitlines()[-1])
    assert (walked["ok"], walked["verified"]) == (True, 3)
    assert walked["writers"] == ["written"] * 3  # after each chunk of one record

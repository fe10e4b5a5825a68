"""deploy/systemd/: every unit passes `systemd-analyze verify`, and each keeps its hardening.

The units name /opt/coxa/..., which this machine does not have: each is checked from a copy
whose /opt/coxa points at stub programs in a temporary folder. A directive systemd does not
know is only a warning to `systemd-analyze verify` (exit 0), so any line it writes fails.
"""

import configparser
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "deploy" / "systemd"
SERVICES = sorted(p.name for p in UNITS.glob("*.service"))
TIMERS = sorted(p.name for p in UNITS.glob("*.timer"))
ANALYZE = shutil.which("systemd-analyze")
needs_systemd = pytest.mark.skipif(ANALYZE is None, reason="systemd-analyze is not installed")

HARDENING = {
    "User": "coxa",
    "Group": "coxa",
    "EnvironmentFile": "/etc/coxa/coxa.env",
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "ReadWritePaths": "/var/lib/coxa",
    "PrivateTmp": "yes",
    "ProtectHome": "yes",
    "CapabilityBoundingSet": "",
}


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys keep their case
    parser.read_string((UNITS / name).read_text())
    return parser


def verify(tmp_path: Path, names: list[str], replace: tuple[str, str] | None = None) -> str:
    """``systemd-analyze verify`` on copies of the units; what it wrote (empty when clean)."""
    stubs = tmp_path / "opt-coxa"
    entrypoint = stubs / "deploy" / "entrypoint.sh"
    entrypoint.parent.mkdir(parents=True, exist_ok=True)
    entrypoint.write_text("#!/bin/sh\nexit 0\n")
    entrypoint.chmod(0o755)
    copies = tmp_path / "units"
    copies.mkdir(exist_ok=True)
    for path in UNITS.iterdir():
        text = path.read_text().replace("/opt/coxa/", f"{stubs}/")
        if replace is not None:
            text = text.replace(*replace)
        (copies / path.name).write_text(text)
    done = subprocess.run(
        [ANALYZE, "verify", "--man=no", *(str(copies / n) for n in names)],
        capture_output=True,
        text=True,
        check=False,
    )
    return (done.stdout + done.stderr).strip() or ("" if done.returncode == 0 else "failed")


def test_the_kit_has_every_unit_the_operations_guide_names():
    assert set(SERVICES) == {
        "coxa-web.service",
        "coxa-worker.service",
        "coxa-scheduler.service",
        "coxa-nightly.service",
        "coxa-backup.service",
        "coxa-migrate.service",
    }
    assert set(TIMERS) == {"coxa-nightly.timer", "coxa-backup.timer"}


@needs_systemd
@pytest.mark.parametrize("name", SERVICES + TIMERS)
def test_each_unit_verifies_cleanly(tmp_path, name):
    assert verify(tmp_path, [name]) == ""


@needs_systemd
@pytest.mark.parametrize(
    ("mistake", "said"),
    [
        (("ProtectSystem=strict", "ProtectSystm=strict"), "Unknown key"),
        (("[Service]", "[Servcie]"), "Unknown section"),
        (("Type=notify", "Type=notfy"), "Failed to parse"),
        (("entrypoint.sh web", "entrypoint.sh.missing web"), "not executable"),
    ],
)
def test_the_check_fails_on_a_mistyped_directive(tmp_path, mistake, said):
    assert said in verify(tmp_path, ["coxa-web.service"], replace=mistake)


@pytest.mark.parametrize("name", SERVICES)
def test_every_service_runs_hardened_as_coxa_with_the_environment_file(name):
    service = unit(name)["Service"]
    for key, value in HARDENING.items():
        assert service.get(key) == value, f"{name}: {key}"
    assert re.fullmatch(r"/opt/coxa/deploy/entrypoint\.sh \w+( \w+)?", service["ExecStart"])


@pytest.mark.parametrize(
    ("name", "command"),
    [
        ("coxa-web.service", "web"),
        ("coxa-worker.service", "worker"),
        ("coxa-scheduler.service", "scheduler"),
        ("coxa-nightly.service", "nightly"),
        ("coxa-migrate.service", "migrate"),
        ("coxa-backup.service", "manage backup"),
    ],
)
def test_each_service_runs_its_command_of_the_entrypoint(name, command):
    assert unit(name)["Service"]["ExecStart"] == f"/opt/coxa/deploy/entrypoint.sh {command}"


def test_the_long_running_processes_restart_and_stop_gracefully():
    for name in ("coxa-web.service", "coxa-worker.service", "coxa-scheduler.service"):
        service = unit(name)["Service"]
        assert service["Restart"] in {"always", "on-failure"}, name
        assert service["KillMode"] == "mixed", name
        assert "78" in service["RestartPreventExitStatus"].split(), name
    # Longer than gunicorn's graceful_timeout, so requests in hand finish.
    assert int(unit("coxa-web.service")["Service"]["TimeoutStopSec"]) > 30


def test_the_timers_start_their_oneshot_services_and_catch_up_after_downtime():
    for name in TIMERS:
        timer = unit(name)
        service = timer["Timer"]["Unit"]
        assert service == name.replace(".timer", ".service")
        assert unit(service)["Service"]["Type"] == "oneshot"
        assert timer["Timer"]["Persistent"] == "true"
        assert timer["Install"]["WantedBy"] == "timers.target"


def test_the_worker_yields_the_cpu_to_the_web_unit():
    """ADR 0032: each unit is a control group, where the worker's nice value does not reach."""
    web = int(unit("coxa-web.service")["Service"].get("CPUWeight", "100"))
    assert int(unit("coxa-worker.service")["Service"]["CPUWeight"]) * 4 < web

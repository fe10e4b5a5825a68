"""The house rules that a tool can check: layout, naming, no catch-all modules."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.core import checks

ROOT = Path(__file__).resolve().parents[2]
APPS = sorted(p.parent for p in (ROOT / "coxa").glob("*/apps.py"))


def test_no_catch_all_modules():
    banned = {"utils.py", "helpers.py", "misc.py", "common.py"}
    found = [str(p.relative_to(ROOT)) for p in (ROOT / "coxa").rglob("*.py") if p.name in banned]
    assert found == []


def test_every_app_is_installed():
    installed = {config.name for config in apps.get_app_configs()}
    assert {f"coxa.{path.name}" for path in APPS} <= installed


def test_modules_stay_small():
    big = [
        f"{p.relative_to(ROOT)} ({n} lines)"
        for p in (ROOT / "coxa").rglob("*.py")
        if "migrations" not in p.parts
        and "tests" not in p.parts
        and (n := len(p.read_text().splitlines())) > 400
    ]
    assert big == [], "split these into packages by sub-domain"


def test_domain_modules_import_without_django():
    code = (
        "import sys, importlib\n"
        "for name in sys.argv[1:]: importlib.import_module(name)\n"
        "assert not any(m == 'django' or m.startswith('django.') for m in sys.modules), "
        "sorted(m for m in sys.modules if m.startswith('django'))"
    )
    domains = [f"coxa.{p.name}.domain" for p in APPS if (p / "domain.py").exists()]
    result = subprocess.run(
        [sys.executable, "-c", code, *domains], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.django_db
def test_system_checks_pass():
    assert checks.run_checks(include_deployment_checks=False) == []


@pytest.mark.parametrize("command", [["coxa"], [sys.executable, "-m", "coxa"]])
def test_the_coxa_command_is_manage_py_with_coxas_settings(command, tmp_path):
    import os
    import shutil

    executable = shutil.which("coxa", path=str(Path(sys.executable).parent))
    argv = [executable] if command == ["coxa"] else command
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [*argv, "check"],
        capture_output=True,
        text=True,
        check=False,
        env=env | {"COXA_DEBUG": "true", "COXA_VAR_DIR": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout

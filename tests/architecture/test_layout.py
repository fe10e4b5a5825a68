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


# Imports each module in turn and names the first after which Django is loaded.
_DJANGO_FREE = (
    "import sys, importlib\n"
    "for name in sys.argv[1:]:\n"
    "    importlib.import_module(name)\n"
    "    if any(m == 'django' or m.startswith('django.') for m in sys.modules):\n"
    "        sys.exit(f'{name} imports Django')\n"
)


def domain_modules(root: Path) -> list[str]:
    """Every pure module under ``root``: each ``<app>/domain.py`` and all of ``<app>/domain/``."""
    files = [*root.glob("*/domain.py"), *root.glob("*/domain/**/*.py")]
    names = []
    for path in sorted(files):
        parts = path.relative_to(root.parent).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def django_loaded_by(modules: list[str], *, path: Path = ROOT) -> str:
    """'' when none of ``modules`` loads Django; else which one does."""
    result = subprocess.run(
        [sys.executable, "-c", _DJANGO_FREE, *modules],
        capture_output=True,
        text=True,
        check=False,
        cwd=path,
        env={"PYTHONPATH": str(path), "PATH": ""},
    )
    return "" if result.returncode == 0 else (result.stderr.strip() or "failed")


def test_domain_modules_import_without_django():
    modules = domain_modules(ROOT / "coxa")
    assert "coxa.decisions.domain.rules.readiness" in modules  # packages, to any depth
    assert "coxa.pathways.domain" in modules  # and single modules
    assert django_loaded_by(modules) == ""


def test_the_domain_check_catches_a_django_import_in_a_domain_package(tmp_path):
    package = tmp_path / "fake" / "clinic" / "domain" / "rules"
    package.mkdir(parents=True)
    for folder in (package.parents[2], package.parents[1], package.parent, package):
        (folder / "__init__.py").write_text("")
    (package / "bmi.py").write_text("import django.db  # a rule reaching for the database\n")
    modules = domain_modules(tmp_path / "fake")
    assert modules == [
        "fake.clinic.domain",
        "fake.clinic.domain.rules",
        "fake.clinic.domain.rules.bmi",
    ]
    assert "fake.clinic.domain.rules.bmi imports Django" in django_loaded_by(modules, path=tmp_path)


@pytest.mark.django_db
def test_system_checks_pass(settings):
    # Tests run with DEBUG off: a service's own numbers, not the examples (coxa.W002).
    settings.CONTACT_WARD_PHONE, settings.CONTACT_OFFICE_PHONE = "0300 555 0101", "0300 555 0202"
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

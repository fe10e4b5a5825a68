"""Contracts between apps that import-linter cannot see: templates, audit writes, coverage.

- Another app's templates are used only from its ``templates/<app>/shared/`` folder (and
  the house's own: ``base.html``, ``core/``), by ``{% include %}``, ``{% extends %}`` or by
  name from Python.
- ``audit.record`` is called only from services and selectors (the read and write paths),
  and the few infrastructure modules named in ``AUDIT_WRITERS``.
- Every module of every app sits in a layer of the "Inside each app" contract, and every
  app's views and forms are protected from the other apps.
"""

import ast
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COXA = ROOT / "coxa"
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]


def _source_files(app: Path) -> list[Path]:
    return [
        p
        for p in app.rglob("*.py")
        if "tests" not in p.relative_to(app).parts and "migrations" not in p.parts
    ]


# ---------------------------------------------------------------- templates
SHARED_EVERYWHERE = {"core"}  # the house's partials (form errors, pager), beside base.html
TAG = re.compile(r"""{%-?\s*(?:include|extends)\s+["']([^"']+)["']""")
NAMED = re.compile(r"""["']([a-z_]+/[\w/.-]+\.html)["']""")


def template_owners(root: Path = COXA) -> dict[str, str]:
    """Each template folder (the first part of a template's name) and the app holding it."""
    return {
        folder.name: folder.parent.parent.name
        for folder in root.glob("*/templates/*")
        if folder.is_dir()
    }


def foreign_templates(app: str, text: str, owners: dict[str, str], *, python: bool) -> list[str]:
    """Templates of another app that ``text`` (a template, or Python source) uses."""
    names = (NAMED if python else TAG).findall(text)
    found = []
    for name in names:
        folder, _, rest = name.partition("/")
        owner = owners.get(folder)
        if owner is None or owner == app or folder in SHARED_EVERYWHERE:
            continue
        if not rest.startswith("shared/"):
            found.append(name)
    return found


def test_apps_use_only_the_shared_templates_of_other_apps():
    owners = template_owners()
    found = []
    for app in sorted(p for p in COXA.iterdir() if (p / "apps.py").exists()):
        for path in sorted(app.glob("templates/**/*.html")):
            uses = foreign_templates(app.name, path.read_text(), owners, python=False)
            found += [f"{path.relative_to(ROOT)}: {name}" for name in uses]
        for path in sorted(_source_files(app)):
            uses = foreign_templates(app.name, path.read_text(), owners, python=True)
            found += [f"{path.relative_to(ROOT)}: {name}" for name in uses]
    assert found == [], "move what others show into templates/<app>/shared/"


def test_the_template_check_catches_another_apps_private_template():
    owners = {"surgery": "surgery", "portal": "portal", "assessment": "assessment"}
    template = (
        '{% extends "base.html" %}{% include "surgery/_plan.html" %}'
        '{% include "surgery/shared/plan.html" %}{% include "portal/_mine.html" %}'
    )
    assert foreign_templates("portal", template, owners, python=False) == ["surgery/_plan.html"]
    source = 'render(request, "assessment/letter.html", {})\nx = "assessment/shared/a.html"'
    assert foreign_templates("portal", source, owners, python=True) == ["assessment/letter.html"]
    assert foreign_templates("assessment", source, owners, python=True) == []


# ---------------------------------------------------------------- audit writes
# Infrastructure that records besides services and selectors, and why.
AUDIT_WRITERS = {
    "coxa/core/audit.py": "defines record",
    "coxa/core/web.py": "record_refusal: a refused request, at the boundary that refuses it",
    "coxa/core/backup.py": "a backup made, by the command, once its file is in place",
    "coxa/core/restore.py": "a restore, in the restored database, once it is in place",
    "coxa/demo/loading.py": "the demo load's completion mark, after demo.services has loaded",
}
READ_AND_WRITE_PATHS = {"services", "selectors", "worklist", "worklists"}  # worklists: reads


def audit_calls(source: str) -> list[int]:
    """The lines calling ``audit.record`` (or ``record`` imported from coxa.core.audit)."""
    tree = ast.parse(source)
    bare = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "coxa.core.audit"
        for alias in node.names
        if alias.name == "record"
    }
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if (
            isinstance(func, ast.Attribute)
            and func.attr == "record"
            and isinstance(func.value, ast.Name)
            and func.value.id == "audit"
        ) or (isinstance(func, ast.Name) and func.id in bare):
            lines.append(node.lineno)
    return lines


def _may_record(path: Path) -> bool:
    relative = path.relative_to(ROOT)
    if relative.as_posix() in AUDIT_WRITERS:
        return True
    layer = relative.parts[2].removesuffix(".py")  # coxa/<app>/<module or package>
    return layer in READ_AND_WRITE_PATHS


def test_audit_records_are_written_only_by_services_and_selectors():
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for app in sorted(p for p in COXA.iterdir() if p.is_dir())
        for path in sorted(_source_files(app))
        if not _may_record(path)
        for line in audit_calls(path.read_text())
    ]
    assert found == [], "record reads in a selector (access_*/list_*), writes in a service"


def test_the_audit_check_finds_a_record_in_a_view():
    source = (
        "from coxa.core import audit\n"
        "from coxa.core.audit import record as note\n"
        "def page(request):\n"
        "    audit.record(actor=None, action='x', object_type='y')\n"
        "    note(actor=None, action='x', object_type='y')\n"
        "    audit.Via.WEB\n"
    )
    assert audit_calls(source) == [4, 5]
    assert not _may_record(COXA / "portal" / "views.py")
    assert _may_record(COXA / "surgery" / "services" / "notes.py")
    assert _may_record(COXA / "pathways" / "selectors.py")


# ---------------------------------------------------------------- import contracts
def _contract(name_start: str) -> dict[str, object]:
    return next(c for c in CONFIG["contracts"] if c["name"].startswith(name_start))


def _layer_names() -> set[str]:
    layers = _contract("Inside each app")["layers"]
    assert isinstance(layers, list)
    return {name.strip().strip("()") for layer in layers for name in layer.split("|")}


def test_every_module_of_every_app_sits_in_a_layer():
    names = _layer_names()
    missing = [
        str(path.relative_to(ROOT))
        for app in sorted(p for p in COXA.iterdir() if (p / "apps.py").exists())
        for path in sorted(app.iterdir())
        if (path.suffix == ".py" and path.stem not in {"__init__", "conftest"})
        or (path.is_dir() and (path / "__init__.py").exists() and path.name != "tests")
        if path.name != "migrations" and path.stem not in names
    ]
    assert missing == [], "add each to a layer of 'Inside each app' in pyproject.toml"


def test_every_apps_views_and_forms_are_protected_from_other_apps():
    protected = {
        module
        for contract in CONFIG["contracts"]
        if contract["type"] == "protected"
        for module in contract["protected_modules"]
    }
    pages = {
        f"coxa.{app.name}.{name}"
        for app in COXA.iterdir()
        if (app / "apps.py").exists() and app.name != "core"  # core.forms is every page's helper
        for name in ("views", "forms")
        if (app / f"{name}.py").exists() or (app / name / "__init__.py").exists()
    }
    assert "coxa.assessment.views" in pages  # a package
    assert pages - protected == set(), "add a protected contract for each to pyproject.toml"

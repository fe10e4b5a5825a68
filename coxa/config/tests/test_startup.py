"""Loading Coxa: what a web worker and `coxa evaluate` import first, and what waits (issue 20).

Each check runs in a fresh interpreter and reads ``sys.modules``, so that a slow start is
caught by what was imported, never by a timing (bench/startup.py prints the times): the URL
map and a first request import none of the libraries only some pages use, nor the JSON API
until a request or a link needs it; `coxa evaluate` imports none of them, nor any app's
models.
"""

import gc
import json
import subprocess
import sys
from pathlib import Path

from coxa.catalogue.loader import get_catalogue
from coxa.config import startup, urls
from coxa.config.api import api
from coxa.core.loading import start_up

ROOT = Path(__file__).resolve().parents[3]
# What neither a worker's first request nor `coxa evaluate` may import: the analytics'
# libraries (coxa worker's alone), and what only some pages use (startup.ON_FIRST_USE).
HEAVY = (
    "matplotlib",
    "scipy",
    "numpy",
    "pandas",
    "pyarrow",
    "lifelines",
    "fhir",  # fhir.resources
    "weasyprint",
    "jwt",
    "icalendar",
    "ninja",
)
DOCUMENT = {
    "procedure": "core-decompression",
    "patient": {"sex": "female", "age_years": 38, "diabetes": False},
    "hip": {
        "side": "right",
        "diagnosis": "avascular-necrosis",
        "avn_staging": {"system": "arco-2019", "stage": "IIIB"},
    },
    "observations": {"bmi": {"value": 31, "unit": "kg/m2"}},
    "medications": [{"name": "aspirin", "class": "antiplatelet"}],
    "planned_operation_date": "2027-01-20",
}

_SEEN = """
import json, sys
HEAVY = set(json.loads(sys.argv[1]))
def loaded():
    return sorted({m.split(".")[0] for m in sys.modules} & HEAVY)
"""
# A web worker: the WSGI application (the URL map with it), then a first request or three.
_WEB = (
    _SEEN
    + """
import coxa.config.wsgi
from django.test import Client
from django.urls import reverse
seen = {"loaded": loaded(), "api": "coxa.config.api" in sys.modules}
client = Client()
seen["status"] = [client.get(p).status_code for p in ("/", "/accounts/login/", "/healthz")]
seen["requests"] = loaded()
seen["api after pages"] = "coxa.config.api" in sys.modules
seen["link"] = reverse("api:openapi-json")
seen["api after a link"] = "coxa.config.api" in sys.modules
print(json.dumps(seen))
"""
)
# `coxa evaluate FILE` as the command line runs it.
_EVALUATE = (
    _SEEN
    + """
import contextlib, io
from django.apps import apps
from coxa.cli import main
with contextlib.redirect_stdout(io.StringIO()) as out:
    main(["evaluate", sys.argv[2]])
print(json.dumps({
    "candidacy": json.loads(out.getvalue())["candidacy"],
    "loaded": loaded(),
    "apps ready": apps.ready,
    "models": sorted(m for m in sys.modules if m.startswith("coxa.") and ".models" in m),
}))
"""
)


def _fresh(script: str, *arguments: str, tmp_path: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", script, json.dumps(HEAVY), *arguments],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "coxa.config.settings_test",
            "COXA_VAR_DIR": str(tmp_path / "var"),
        },
    )
    assert done.returncode == 0, done.stderr
    seen: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return seen


def test_a_worker_loads_no_heavy_library_and_the_api_on_first_use(tmp_path):
    seen = _fresh(_WEB, tmp_path=tmp_path)
    assert seen["status"] == [200, 200, 200]
    assert seen["loaded"] == [], "the URL map imports these: import them where they are used"
    assert seen["requests"] == [], "a first request imports these"
    assert seen["api"] is False
    assert seen["api after pages"] is False
    assert seen["link"] == "/api/v1/openapi.json"
    assert seen["api after a link"] is True


def test_coxa_evaluate_loads_no_heavy_library_and_no_app(tmp_path):
    document = tmp_path / "document.json"
    document.write_text(json.dumps(DOCUMENT))
    seen = _fresh(_EVALUATE, str(document), tmp_path=tmp_path)
    assert seen["candidacy"] == "contraindicated"
    assert seen["loaded"] == []
    assert seen["apps ready"] is False  # cli.WITHOUT_APPS: no django.setup()
    assert seen["models"] == []


def test_the_api_is_mounted_under_the_names_its_ninja_api_gives():
    assert urls.API.urlconf_name == "coxa.config.api"
    assert api.urls[1:] == (urls.API.app_name, urls.API.namespace)


def test_start_up_pauses_the_collector_then_freezes_what_was_loaded():
    assert gc.isenabled()
    try:
        with start_up():
            assert not gc.isenabled()
        assert gc.isenabled()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_preload_loads_what_pages_load_on_first_use():
    try:
        startup.preload()
    finally:
        gc.unfreeze()
    assert all(name in sys.modules for name in startup.ON_FIRST_USE)
    assert get_catalogue.cache_info().currsize == 1

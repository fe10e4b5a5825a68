"""The analytics extra: nothing but the analytics imports its libraries, and without it the
analytics page and commands say how to install it (issues 18 and 20)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from coxa.analytics import extra
from coxa.analytics.management.commands import NEEDS_EXTRA

ROOT = Path(__file__).resolve().parents[3]
LIBRARIES = (*extra.LIBRARIES, "lifelines", "pandas")
PAGES = ("/staff/analytics/", "/staff/analytics/report.html", "/staff/analytics/extract.csv")

# In a fresh interpreter: the URL map, `coxa check`, `coxa evaluate` and a first request
# each, then which of LIBRARIES are loaded; last, the analytics' own modules, which must
# load them (so that the check above can see an import when there is one).
_LOADED = """
import io, json, sys
import django
from django.core.management import call_command
from django.test import Client

django.setup()
libraries = json.loads(sys.argv[1])
def loaded():
    return sorted({m.split(".")[0] for m in sys.modules} & set(libraries))
seen = {}
import coxa.config.urls
seen["urls"] = loaded()
call_command("check", stdout=io.StringIO())
seen["check"] = loaded()
call_command("evaluate", sys.argv[2], stdout=io.StringIO())
seen["evaluate"] = loaded()
seen["status"] = [Client().get(path).status_code for path in ("/", "/procedures/")]
seen["request"] = loaded()
import coxa.analytics.report, coxa.analytics.extract
seen["analytics"] = loaded()
print(json.dumps(seen))
"""
DOCUMENT = {
    "procedure": "core-decompression",
    "patient": {"sex": "female", "age_years": 38, "diabetes": False},
    "hip": {
        "side": "right",
        "diagnosis": "avascular-necrosis",
        "avn_staging": {"system": "arco-2019", "stage": "IIIB"},
    },
    "observations": {"bmi": {"value": 31, "unit": "kg/m2"}},
    "medications": [],
    "planned_operation_date": "2027-01-20",
}


def test_the_url_map_check_evaluate_and_a_first_request_import_no_analytics_library(tmp_path):
    document = tmp_path / "doc.json"
    document.write_text(json.dumps(DOCUMENT))
    done = subprocess.run(
        [sys.executable, "-c", _LOADED, json.dumps(LIBRARIES), str(document)],
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
    seen = json.loads(done.stdout)
    assert seen["status"] == [200, 200]
    for step in ("urls", "check", "evaluate", "request"):
        assert seen[step] == [], step
    assert {"numpy", "scipy", "pyarrow", "matplotlib"} <= set(seen["analytics"])


@pytest.fixture
def without_extra(monkeypatch):
    """As if Coxa were installed without its analytics extra: its libraries cannot import."""
    for name in extra.LIBRARIES:
        monkeypatch.setitem(sys.modules, name, None)


def test_the_extra_is_found_when_installed():
    assert extra.missing() == ()
    assert extra.problem() is None
    extra.require()


def test_a_missing_library_is_named(monkeypatch):
    monkeypatch.setitem(sys.modules, "scipy", None)
    assert extra.missing() == ("scipy",)
    assert extra.problem() == f"{extra.NEEDED} (scipy is not installed)."


@pytest.mark.usefixtures("without_extra")
def test_without_the_extra_every_missing_library_is_named_and_require_refuses():
    assert extra.missing() == extra.LIBRARIES
    sentence = extra.problem()
    assert sentence == (
        "Analytics needs Coxa's analytics extra: pip install 'coxa[analytics]' "
        "(numpy, scipy, pyarrow, matplotlib, tqdm are not installed)."
    )
    with pytest.raises(extra.ExtraMissing, match=r"pip install 'coxa\[analytics\]'"):
        extra.require()


@pytest.mark.django_db
@pytest.mark.usefixtures("without_extra")
@pytest.mark.parametrize("path", PAGES)
def test_without_the_extra_the_analytics_pages_answer_503_saying_how(web_as, analyst, path):
    response = web_as(analyst).get(path, {"by": "procedure"})
    assert response.status_code == 503
    text = response.content.decode()
    assert 'data-testid="unavailable"' in text
    assert "Analytics needs Coxa&#x27;s analytics extra: pip install" in text
    assert "coxa[analytics]" in text


@pytest.mark.django_db
@pytest.mark.usefixtures("without_extra")
def test_without_the_extra_the_pages_still_ask_a_visitor_to_sign_in_first(client):
    response = client.get(PAGES[0])
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
@pytest.mark.usefixtures("without_extra")
@pytest.mark.parametrize(
    "arguments",
    [
        ("analytics", "survival", "--out", "{tmp}"),
        ("analytics", "extract", "--out", "{tmp}/extract.csv"),
        ("synth", "registry", "--hips", "10", "--out", "{tmp}/synthetic.csv"),
    ],
)
def test_without_the_extra_the_commands_exit_2_saying_how(tmp_path, arguments):
    with pytest.raises(CommandError) as refused:
        call_command(*(a.format(tmp=tmp_path) for a in arguments))
    assert refused.value.returncode == NEEDS_EXTRA == 2
    assert str(refused.value).startswith(extra.NEEDED)
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_without_the_extra_the_command_line_prints_one_line_and_exits_2(tmp_path):
    # Blocks the extra's libraries in a fresh interpreter, then runs `coxa analytics`.
    blocked = f"import sys\nfor n in {extra.LIBRARIES!r}: sys.modules[n] = None\n"
    run = blocked + "from coxa.cli import main\nmain(sys.argv[1:])\n"
    done = subprocess.run(
        [sys.executable, "-c", run, "analytics", "funnel", "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=False,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(ROOT),
            "COXA_DEBUG": "true",
            "COXA_VAR_DIR": str(tmp_path / "var"),
        },
    )
    assert done.returncode == 2
    assert extra.NEEDED in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.django_db(transaction=True)  # the worker's loop closes a connection in one
@pytest.mark.usefixtures("database_queue")
def test_a_worker_without_the_extra_fails_the_job_saying_how(hips, analyst, web_as, monkeypatch):
    client = web_as(analyst)
    assert 'data-testid="computing"' in client.get(PAGES[0]).content.decode()
    with monkeypatch.context() as worker:  # the web process has the extra; the worker not
        for name in extra.LIBRARIES:
            worker.setitem(sys.modules, name, None)
        call_command("worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    failed = client.get(PAGES[0]).content.decode()
    assert 'data-testid="failed"' in failed
    assert "ExtraMissing: Analytics needs Coxa&#x27;s analytics extra" in failed

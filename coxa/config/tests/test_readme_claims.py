"""What README.md and the API's description tell an operator or integrator stays true."""

import re
from pathlib import Path

import pytest

from coxa.config.api import api
from coxa.config.tests.test_https import _deploy_warnings

README = (Path(__file__).resolve().parents[3] / "README.md").read_text()
# The statuses an API error can have beyond the plain refusals (config/errors.py, the lock-out).
ERROR_STATUSES = ("429", "413", "500")


def paragraph(starting: str) -> str:
    start = README.index(starting)
    return README[start : README.index("\n\n", start)]


def test_the_readme_names_every_warning_the_deploy_check_gives(tmp_path):
    named = set(re.findall(r"`(\w+\.W\d+)`", paragraph("**Behind TLS**")))
    with_key = _deploy_warnings(tmp_path, COXA_HTTPS="true")
    without_key = _deploy_warnings(tmp_path, COXA_HTTPS="true", COXA_AUDIT_KEY="")
    examples = _deploy_warnings(tmp_path, COXA_HTTPS="true", COXA_CONTACT_OFFICE_PHONE="")
    assert "coxa.W001" in without_key - with_key
    assert "coxa.W002" in examples - with_key
    assert with_key | without_key | examples <= named
    assert named <= with_key | without_key | examples | {"security.W021"}  # nothing stale


def test_the_readme_searches_patients_by_post_not_in_the_url():
    assert "?q=" not in README
    assert "-X POST localhost:8000/api/v1/patients/search" in README


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(api.description, id="api-description"),
        pytest.param(paragraph("Errors are JSON"), id="readme"),
    ],
)
def test_every_error_status_is_documented(text):
    assert all(status in text for status in ERROR_STATUSES), text
    assert "with a 4xx status" not in text

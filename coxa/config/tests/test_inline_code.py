"""No inline script or style in a page (ADR 0012): templates, plots and the exceptions.

Pages are served under ``style-src 'self'; script-src 'self'``. Three templates keep an
inline ``<style>``, each because no browser shows it as a Coxa page: the two PDF layouts
(WeasyPrint renders them on the server, where no policy applies) and the analytics report,
a self-contained file for download that carries its own policy.
"""

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from coxa.config.tests.test_headers import inline_code

ROOT = Path(__file__).resolve().parents[3]
NOT_PAGES = {
    "coxa/assessment/templates/assessment/letter_print.html": "the letter's PDF layout",
    "coxa/surgery/templates/surgery/plan_print.html": "the recovery plan's PDF layout",
    "coxa/surveillance/templates/surveillance/invitation_print.html": "the invitation's PDF",
    "coxa/analytics/templates/analytics/report.html": "the downloadable report",
}
REPORT_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'"
)


def templates() -> list[Path]:
    return sorted(ROOT.glob("coxa/*/templates/**/*.html"))


def test_no_template_of_a_page_has_inline_script_or_style():
    found = {
        str(path.relative_to(ROOT)): inline_code(path.read_text())
        for path in templates()
        if str(path.relative_to(ROOT)) not in NOT_PAGES
    }
    assert len(found) > 30
    assert {name: code for name, code in found.items() if code} == {}


def test_the_pdf_layouts_are_only_ever_rendered_to_pdf():
    sources = [p for p in ROOT.glob("coxa/**/*.py") if "tests" not in p.parts]
    for template in (
        "assessment/letter_print.html",
        "surgery/plan_print.html",
        "surveillance/invitation_print.html",
    ):
        users = [p for p in sources if template in p.read_text()]
        assert users, template
        for user in users:
            text = user.read_text()
            # The module that renders the layout hands it to WeasyPrint, not to a browser.
            assert "pdf_from_html(" in text, (template, user)
            assert 'content_type="application/pdf"' in text, (template, user)


def test_the_report_carries_its_own_policy_with_no_script():
    html = (ROOT / "coxa/analytics/templates/analytics/report.html").read_text()
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    assert policy is not None
    assert policy.group(1) == REPORT_POLICY
    assert "script" not in policy.group(1)


@pytest.fixture
def extract(settings, tmp_path):
    settings.ANALYTICS_EXTRACTS_DIR = tmp_path
    out = tmp_path / "regional.parquet"
    call_command(
        "synth", "registry", "--hips", "800", "--seed", "4", "--out", str(out), stdout=StringIO()
    )
    return "regional.parquet"


def test_the_analytics_page_shows_plots_as_images_not_inline_svg(web_as, analyst, extract):
    response = web_as(analyst).get("/staff/analytics/", {"source": extract, "by": "sex"})
    html = response.content.decode()
    assert response.status_code == 200
    images = re.findall(r'<img src="data:image/svg\+xml,([^"]+)" alt="([^"]+)"', html)
    assert len(images) == 4  # survival, incidence, a funnel by surgeon and one by unit
    assert all(alt.strip() for _, alt in images)
    assert all(data.startswith("%3Csvg") and "%23" in data for data, _ in images)  # "#" escaped
    assert "<svg" not in html
    assert inline_code(html) == []


def test_the_downloaded_report_keeps_its_inline_plots(web_as, analyst, extract):
    response = web_as(analyst).get("/staff/analytics/report.html", {"source": extract})
    html = b"".join(response.streaming_content).decode() if response.streaming else None
    html = html or response.content.decode()
    assert response["Content-Disposition"].startswith("attachment")
    assert html.count("<svg") == 4
    assert f'content="{REPORT_POLICY}"' in html
    assert "<script" not in html

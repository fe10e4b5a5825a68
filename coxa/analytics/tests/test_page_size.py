"""The analytics page grouped by 40 surgeons stays small, readable and in words."""

import re
from io import StringIO
from urllib.parse import unquote

import pytest
from django.core.management import call_command

from coxa.analytics.synthetic import SURGEONS

pytestmark = pytest.mark.django_db

# Before: 9.4 MB for 20,000 hips by 40 surgeons (every group's curve on an 800-point grid,
# with its band, percent-encoded twice over). A size, not a time: it does not vary by machine.
MOST_BYTES = 400_000


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """8,000 synthetic hips by 40 surgeons, written once for these tests."""
    folder = tmp_path_factory.mktemp("extracts")
    out = folder / "regional.parquet"
    call_command(
        "synth", "registry", "--hips", "8000", "--seed", "4", "--out", str(out), stdout=StringIO()
    )
    return folder


@pytest.fixture
def extract(settings, folder):
    settings.ANALYTICS_EXTRACTS_DIR = folder
    return "regional.parquet"


def images(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<img src="data:image/svg\+xml,([^"]+)" alt="([^"]+)"', html)


def test_grouped_by_forty_surgeons_the_page_is_small(web_as, analyst, extract):
    page = web_as(analyst).get("/staff/analytics/", {"source": extract, "by": "surgeon"})
    assert page.status_code == 200
    assert len(page.content) < MOST_BYTES
    html = page.content.decode()
    assert "Grouped by surgeon: 40 groups." in html
    assert "The 34 other surgeons are thin grey lines" in html
    # Every surgeon is still in the tables, by name.
    table = html[html.index('class="milestones"') :]
    assert all(name in table for name in (s.replace("'", "&#x27;") for s in SURGEONS))


def test_the_plots_carry_the_grey_entry_and_say_what_they_show(web_as, analyst, extract):
    page = web_as(analyst).get("/staff/analytics/", {"source": extract, "by": "surgeon"})
    found = images(page.content.decode())
    assert len(found) == 4  # survival, incidence, a funnel by surgeon and one by unit
    survival, alt = found[0]
    assert "34 other surgeons, in grey" in unquote(survival)
    assert "in colour and 34 other surgeons in grey" in alt
    assert all(data.startswith("%3Csvg") for data, _ in found)
    assert not any(c in data for data, _ in found for c in '<>"& =')  # all escaped


def test_the_surgeon_picked_is_highlighted(web_as, analyst, extract):
    least = SURGEONS[-1]
    page = web_as(analyst).get(
        "/staff/analytics/", {"source": extract, "by": "surgeon", "highlight": least}
    )
    assert page.status_code == 200
    rule = re.search(r'data-testid="highlight-rule">([^<]+)<', page.content.decode())
    assert rule is not None
    assert f"by number of hips ({least}, " in rule.group(1)


def test_a_highlight_not_offered_is_refused(web_as, analyst, extract):
    page = web_as(analyst).get(
        "/staff/analytics/", {"source": extract, "by": "surgeon", "highlight": "S17"}
    )
    assert page.status_code == 400
    assert "Select a valid choice" in page.content.decode()


def test_groups_are_named_in_words_not_codes(web_as, analyst, extract):
    client = web_as(analyst)
    page = client.get("/staff/analytics/", {"source": extract, "by": "procedure"})
    html = page.content.decode()
    table = html[html.index('class="milestones"') : html.index("</table>")]
    assert "Birmingham Hip Resurfacing" in table
    assert ">bhr<" not in table
    by_sex = client.get("/staff/analytics/", {"source": extract, "by": "sex", "sex": "female"})
    text = by_sex.content.decode()
    assert "Cohort: Sex: Female" in text
    assert ">Female<" in text
    assert "Grouped by sex: 1 group." in text

"""Analytics on Coxa's own records: the extract, the pages and the commands."""

import csv
import datetime as dt
from io import StringIO
from urllib.parse import unquote

import pytest
from django.core.management import call_command
from django.utils import timezone

from coxa.analytics.selectors import registry_rows
from coxa.analytics.synthetic import COLUMNS
from coxa.core import clock
from coxa.core.audit import Via
from coxa.core.errors import Forbidden
from coxa.core.models import AuditEvent
from coxa.pathways import services
from coxa.pathways.domain import Step
from coxa.patients.models import Patient
from tests.journeys import walk_to

pytestmark = pytest.mark.django_db


def at(day: dt.date):
    return clock.replaying(timezone.make_aware(dt.datetime.combine(day, dt.time(10))))


def operated(patient, by, *, side, procedure, on, episode=None):
    """An operation on ``on``, reached through every step (pre-assessment to signed note)."""
    return walk_to(
        "operated",
        patient=patient,
        episode=episode,
        by=by,
        side=side,
        procedure=procedure,
        listed_on=on - dt.timedelta(days=21),
        operated_on=on,
    )


def convert(episode, by, on):
    """A hip converted before conversions were recorded (issue 14): only the converted step,
    no ``outcomes.Conversion``; the analytics fall back to the step's day."""
    with at(on):
        return services.move_episode(
            episode=episode,
            to="converted",
            reason="aseptic loosening",
            by=by,
            via=Via.WEB,
            step=Step.CONVERSION,
        )


@pytest.fixture
def hips(surgeon, bert, ada):
    """Bert: left BHR converted 2 years on; right core decompression converted 1 year on
    (its hip replacement is a primary). Ada: left core decompression, died 3 years on."""
    left = operated(bert, surgeon, side="left", procedure="bhr", on=dt.date(2020, 3, 1))
    convert(left, surgeon, dt.date(2022, 3, 1))
    right = operated(
        bert, surgeon, side="right", procedure="core-decompression", on=dt.date(2021, 1, 1)
    )
    convert(right, surgeon, dt.date(2022, 1, 1))
    replacement = right.__class__.objects.get(converted_from=right)
    operated(
        bert,
        surgeon,
        side="right",
        procedure="total-hip-replacement",
        on=dt.date(2022, 2, 1),
        episode=replacement,
    )
    operated(ada, surgeon, side="left", procedure="core-decompression", on=dt.date(2019, 6, 1))
    Patient.objects.filter(pk=ada.pk).update(date_of_death=dt.date(2022, 6, 1))


def by_procedure(rows):
    table = [dict(zip(COLUMNS, values, strict=True)) for values in zip(*rows.values(), strict=True)]
    return sorted(table, key=lambda r: (r["procedure"], r["operation_date"]))


def test_revision_death_and_censoring_come_from_the_records(hips, analyst):
    rows, close = registry_rows(analyst, close_on=dt.date(2024, 1, 1))
    table = by_procedure(rows)
    # The converted BHR's hip replacement is its revision, not a new primary: 4 hips, not 5.
    assert [(r["procedure"], r["outcome"]) for r in table] == [
        ("bhr", 1),  # Bert's left, revised
        ("core-decompression", 2),  # Ada's, died
        ("core-decompression", 1),  # Bert's right, converted
        ("total-hip-replacement", 0),  # after core decompression: a primary, censored
    ]
    assert table[1]["years"] == pytest.approx(
        (dt.date(2022, 6, 1) - dt.date(2019, 6, 1)).days / 365.25
    )
    assert table[0]["years"] == pytest.approx(730 / 365.25)
    assert table[3]["years"] == pytest.approx((close - dt.date(2022, 2, 1)).days / 365.25)
    assert table[0]["surgeon"] == "Sam"
    assert all(r["hip_id"].startswith("H-") for r in table)
    born = Patient.objects.get(family_name="Okafor").date_of_birth
    on = dt.date(2020, 3, 1)
    assert table[0]["age"] == on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def test_follow_up_closes_on_the_close_date(hips, analyst):
    rows, _ = registry_rows(analyst, close_on=dt.date(2021, 6, 1))
    table = by_procedure(rows)
    # By then: Ada alive (censored), Bert's BHR not yet revised, CD operated but not converted.
    assert [(r["procedure"], r["outcome"]) for r in table] == [
        ("bhr", 0),
        ("core-decompression", 0),
        ("core-decompression", 0),
    ]


def test_only_pseudonymised_roles_read_the_extract_and_it_is_audited(hips, analyst, ada_user):
    registry_rows(analyst)
    assert AuditEvent.objects.filter(action="analytics.extract", actor=analyst).exists()
    with pytest.raises(Forbidden):
        registry_rows(ada_user)


def test_the_page_shows_the_cohort_and_refuses_bad_filters(hips, analyst, web_as):
    client = web_as(analyst)
    page = client.get("/staff/analytics/", {"by": "procedure"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "4 hips, 2 revised, 1 died before any revision" in text
    # The plots are images (a strict CSP allows no inline style), drawn with their at-risk table.
    assert "Number at risk" in unquote(text)
    assert "Okafor" not in text
    assert "OKAFOR" not in text
    bad = client.get("/staff/analytics/", {"operated_from": "2022", "operated_to": "2020"})
    assert bad.status_code == 400
    assert "The last year is before the first." in bad.content.decode()
    unknown = client.get("/staff/analytics/", {"source": "../../etc/passwd"})
    assert unknown.status_code == 400


def test_patients_cannot_open_analytics(ada_user, web_as):
    assert web_as(ada_user).get("/staff/analytics/").status_code == 403


def test_the_report_and_extract_download_without_identifiers(hips, analyst, web_as, bert):
    client = web_as(analyst)
    report = client.get("/staff/analytics/report.html", {"procedure": "bhr"})
    assert report.status_code == 200
    assert "attachment" in report["Content-Disposition"]
    assert "Procedure: Birmingham Hip Resurfacing" in report.content.decode()
    extract = client.get("/staff/analytics/extract.csv")
    text = extract.content.decode()
    rows = list(csv.DictReader(StringIO(text)))
    assert len(rows) == 4
    assert list(rows[0]) == list(COLUMNS)
    for identifier in (bert.family_name, bert.nhs_number, bert.hospital_number):
        if identifier:
            assert identifier not in text


def test_an_extract_in_the_folder_can_be_opened_on_the_page(analyst, web_as, settings, tmp_path):
    settings.ANALYTICS_EXTRACTS_DIR = tmp_path
    call_command(
        "synth",
        "registry",
        "--hips",
        "500",
        "--out",
        str(tmp_path / "national.csv"),
        stdout=StringIO(),
    )
    page = web_as(analyst).get("/staff/analytics/", {"source": "national.csv", "sex": "female"})
    assert page.status_code == 200
    assert "the registry extract national.csv" in page.content.decode()
    assert AuditEvent.objects.filter(
        action="analytics.read-extract", object_id="national.csv"
    ).exists()
    (tmp_path / "broken.csv").write_text("not,a,registry\n")
    broken = web_as(analyst).get("/staff/analytics/", {"source": "broken.csv"})
    assert broken.status_code == 400
    assert "the header must be" in broken.content.decode()


def test_the_commands_read_the_records_without_input(hips, tmp_path):
    out = StringIO()
    call_command(
        "analytics",
        "survival",
        "--out",
        str(tmp_path),
        "--plots",
        "none",
        "--close",
        "2024-01-01",
        stdout=out,
    )
    assert "4 hips from Coxa's records, follow-up closed 2024-01-01" in out.getvalue()
    assert AuditEvent.objects.filter(action="analytics.extract", actor=None, via="cli").exists()
    call_command(
        "analytics", "extract", "--out", str(tmp_path / "records.parquet"), stdout=StringIO()
    )
    call_command(
        "analytics",
        "report",
        "--input",
        str(tmp_path / "records.parquet"),
        "--min-at-risk",
        "1",
        "--out",
        str(tmp_path / "r"),
        stdout=StringIO(),
    )
    assert (tmp_path / "r" / "report.html").exists()


def test_a_signed_note_gives_the_operation_day_surgeon_and_head_size(surgeon, bert, analyst):
    from coxa.surgery.tests.conftest import LISTED_ON, OPERATED_ON

    walk_to("operated", patient=bert, by=surgeon, listed_on=LISTED_ON, operated_on=OPERATED_ON)
    rows, _ = registry_rows(analyst, close_on=dt.date(2026, 6, 1))
    assert rows["operation_date"] == [OPERATED_ON]
    assert rows["head_size_mm"] == [50.0]
    assert rows["surgeon"] == ["Sam"]

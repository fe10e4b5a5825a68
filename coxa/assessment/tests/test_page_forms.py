"""The clinic's own forms (operation date, acknowledging cautions) answer like every page form.

A bad input names its field, the page answers 400 and nothing is saved; a service's refusal
lands on the field it names.
"""

import datetime as dt

import pytest

from coxa.assessment.models import CautionAcknowledgement
from coxa.core import clock

pytestmark = pytest.mark.django_db


def _field_error(response, form: str, field: str) -> None:
    assert response.status_code == 400
    bound = response.context[form]
    assert field in bound.errors, bound.errors
    page = response.content.decode()
    assert f'id="{bound[field].auto_id}_error"' in page
    assert f'href="#{bound[field].id_for_label}"' in page


def test_an_operation_date_that_is_not_a_date_names_the_field(web_as, nurse, listed):
    response = web_as(nurse).post(
        f"/staff/episodes/{listed.public_id}/clinic/operation-date/",
        {"operation_on": "next week", "reason": "theatre list"},
    )
    _field_error(response, "date_form", "operation_on")
    assert response.context["date_form"]["reason"].value() == "theatre list"
    listed.refresh_from_db()
    assert listed.operation_on is None


def test_moving_the_date_without_a_reason_lands_on_the_reason(web_as, nurse, listed):
    client = web_as(nurse)
    url = f"/staff/episodes/{listed.public_id}/clinic/operation-date/"
    first = clock.today() + dt.timedelta(days=40)
    assert client.post(url, {"operation_on": first.isoformat()}).status_code == 302
    moved = client.post(url, {"operation_on": (first + dt.timedelta(days=7)).isoformat()})
    _field_error(moved, "date_form", "reason")
    listed.refresh_from_db()
    assert listed.operation_on == first


def test_acknowledging_where_there_is_no_caution_is_refused_on_the_reason(web_as, surgeon, listed):
    response = web_as(surgeon).post(
        f"/staff/episodes/{listed.public_id}/clinic/acknowledge-cautions/",
        {"reason": "Discussed with the patient"},
    )
    assert response.status_code == 400
    assert "reason" in response.context["acknowledge_form"].errors
    assert 'role="alert"' in response.content.decode()
    assert not CautionAcknowledgement.objects.exists()


def test_a_correction_form_shows_the_original_date_so_it_is_not_lost(web_as, nurse, listed):
    from coxa.assessment.domain.entries import Kind
    from coxa.assessment.tests.test_clinic import record, today

    day = today()
    entry = record(
        Kind.OBSERVATION, listed, nurse, code="bmi", value=27.0, unit="kg/m2", observed_on=day
    )
    page = web_as(nurse).get(
        f"/staff/episodes/{listed.public_id}/clinic/observation/{entry.public_id}/correct/"
    )
    assert page.status_code == 200
    assert f'value="{day:%Y-%m-%d}"' in page.content.decode()

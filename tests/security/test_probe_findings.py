"""What the attacker's probe of issue 11's controls found, each kept fixed."""

import pytest
from django.test import Client

from coxa.conftest import sign_in
from coxa.core.text import unstorable
from coxa.patients.models import Patient

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("header", ["Bearer coxa_bogus", "Bearer ", ""])
def test_a_write_with_an_unusable_token_is_401_not_a_csrf_refusal(header):
    headers = {"Authorization": header} if header else {}
    response = Client(enforce_csrf_checks=True).post(
        "/api/v1/patients", "{}", content_type="application/json", headers=headers
    )
    assert response.status_code == 401
    assert response.json()["code"] == "not-authenticated"


def test_bytes_that_are_not_text_are_refused_on_the_form_as_on_the_api(nurse):
    # The form decoded them as U+FFFD and stored "A\ufffd\ufffd\ufffdb" as a name.
    assert unstorable("A\ufffdb")
    client = sign_in(Client(), nurse)
    response = client.post(
        "/staff/patients/new/",
        "given_name=A%ED%A0%80b&family_name=Okafor&date_of_birth=1971-03-14&sex=male",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code in (200, 400)
    assert "could not be read" in response.content.decode()
    assert not Patient.objects.exists()

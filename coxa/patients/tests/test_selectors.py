import datetime as dt
import uuid

import pytest

from coxa.conftest import details
from coxa.core.audit import Via
from coxa.core.errors import Forbidden, Hidden, NotFound
from coxa.core.models import AuditEvent
from coxa.core.pagination import page_request
from coxa.patients import selectors, services

pytestmark = pytest.mark.django_db


@pytest.fixture
def register(nurse):
    def make(given, family, number, **extra):
        return services.register_patient(
            details=details(
                given_name=given, family_name=family, nhs_number="", hospital_number=number, **extra
            ),
            by=nurse,
            via=Via.WEB,
        )

    return make


def names(page):
    return [f"{p.given_name} {p.family_name}" for p in page.patients]


def search(user, q, number=1, size=25):
    return selectors.search_patients(actor=user, q=q, page=page_request(number, size), via=Via.WEB)


def test_a_name_prefix_finds_family_and_given_names(surgeon, register):
    register("John", "Smith", "A1")
    register("Smita", "Patel", "A2")
    register("Joan", "Smithers", "A3")
    register("Mary", "Jones", "A4")
    assert names(search(surgeon, "smi")) == ["Smita Patel", "John Smith", "Joan Smithers"]


def test_two_words_match_given_and_family_either_way_round(surgeon, register):
    register("John", "Smith", "A1")
    register("Joan", "Smithers", "A3")
    register("Smith", "Johnson", "A5")
    register("Mary", "Smith", "A6")
    # Family names first, in order: Johnson (given Smith), Smith, Smithers.
    assert names(search(surgeon, "jo smi")) == ["Smith Johnson", "John Smith", "Joan Smithers"]
    assert names(search(surgeon, "Smith, Joh")) == ["Smith Johnson", "John Smith"]


def test_punctuation_and_accents_do_not_hide_a_patient(surgeon, register):
    register("Siobhán", "O'Brien", "A1")
    assert names(search(surgeon, "obri")) == ["Siobhán O'Brien"]
    assert names(search(surgeon, "siobhan")) == ["Siobhán O'Brien"]


def test_identifiers_and_dates_find_exactly(surgeon, register, bert):
    register("Zed", "Zulu", "Z1", date_of_birth=dt.date(1971, 3, 14))
    assert names(search(surgeon, "943 476 5919")) == ["Bert Okafor"]
    assert names(search(surgeon, "h100200")) == ["Bert Okafor"]
    assert names(search(surgeon, "14/03/1971")) == ["Bert Okafor", "Zed Zulu"]


def test_names_ending_in_z_and_9_are_found(surgeon, register):
    register("Liz", "Baz", "A1")
    register("Lia", "Bazza", "A2")
    register("Ann", "Bb", "A3")
    assert names(search(surgeon, "baz")) == ["Liz Baz", "Lia Bazza"]


def test_results_come_in_pages(surgeon, register):
    for index in range(5):
        register("Ann", f"Able{index}", f"A{index}")
    first, last = search(surgeon, "able", 1, 2), search(surgeon, "able", 3, 2)
    assert (first.count, len(first.patients), first.has_next) == (5, 2, True)
    assert (len(last.patients), last.has_next) == (1, False)


def test_searching_is_audited_with_what_was_shown(surgeon, bert):
    search(surgeon, "okafor")
    event = AuditEvent.objects.get(action="patient.search")
    assert event.details["shown"] == [str(bert.public_id)]


def test_analysts_and_patients_cannot_search(analyst, ada_user, bert):
    for user in (analyst, ada_user):
        with pytest.raises(Forbidden):
            search(user, "okafor")


def test_reading_a_patient_is_audited(physio, bert):
    selectors.access_patient(actor=physio, patient_id=bert.public_id, via=Via.API)
    event = AuditEvent.objects.get(action="patient.view")
    assert (event.actor, event.patient_id) == (physio, bert.public_id)


def test_a_patient_reads_only_their_own_record(ada_user, ada, bert):
    assert selectors.access_patient(actor=ada_user, patient_id=ada.public_id, via=Via.WEB) == ada
    # Another's record and a missing one are answered alike: Hidden, a NotFound (404).
    with pytest.raises(Hidden) as others:
        selectors.access_patient(actor=ada_user, patient_id=bert.public_id, via=Via.WEB)
    with pytest.raises(Hidden) as nobodys:
        selectors.access_patient(actor=ada_user, patient_id=uuid.uuid4(), via=Via.WEB)
    assert isinstance(others.value, NotFound)
    assert others.value.problems == nobodys.value.problems


def test_unknown_patients_are_not_found(surgeon):
    with pytest.raises(NotFound):
        selectors.access_patient(actor=surgeon, patient_id=uuid.uuid4(), via=Via.WEB)


def test_search_takes_a_fixed_number_of_queries(surgeon, register, django_assert_num_queries):
    for index in range(30):
        register("Ann", f"Able{index:02d}", f"A{index}")
    # count, page of rows, audit append (lock the chain's head, insert, move the head on)
    with django_assert_num_queries(5):
        search(surgeon, "able")

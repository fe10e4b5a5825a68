"""The demo's consultation requests: received through the service, once, waiting in the queue."""

import pytest

from coxa.accounts.domain import Role
from coxa.core.models import AuditEvent
from coxa.demo.enquiries import REQUESTS, load_requests
from coxa.enquiries.models import Enquiry

pytestmark = pytest.mark.django_db


@pytest.fixture
def users(nurse, admin):
    return {Role.NURSE: nurse, Role.ADMINISTRATOR: admin}


def test_the_requests_arrive_through_the_service_once(users):
    from coxa.core import clock

    assert load_requests(users, clock.today()) == len(REQUESTS)
    assert load_requests(users, clock.today()) == 0  # loading again adds nothing
    assert Enquiry.objects.count() == len(REQUESTS)
    received = AuditEvent.objects.filter(action="enquiry.receive")
    assert received.count() == len(REQUESTS)
    # The audit keeps no name, address or message of a request.
    assert not any("Pryce" in e.summary or "example.org" in e.summary for e in received)


def test_the_queue_has_new_contacted_and_marked_requests(users):
    from coxa.core import clock

    load_requests(users, clock.today())
    statuses = sorted(Enquiry.objects.values_list("status", flat=True))
    assert statuses == ["contacted", "new", "new", "new"]
    automated = Enquiry.objects.get(automated=True)
    assert automated.status == "new"
    contacted = Enquiry.objects.get(status="contacted")
    assert contacted.changes.get().by == users[Role.NURSE]
    assert contacted.status_changed_at > contacted.received_at
    # Every request is in the past, the oldest six days back.
    days = sorted((clock.today() - e.received_at.date()).days for e in Enquiry.objects.all())
    assert days[0] >= 0
    assert days[-1] == 6

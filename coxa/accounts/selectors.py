"""Reads for accounts and for the audit log."""

import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from django.db.models import QuerySet
from django.utils import timezone

from coxa.accounts.domain import Capability, Role, can
from coxa.accounts.models import User
from coxa.core import audit
from coxa.core.errors import ErrorCode, Forbidden, NotFound
from coxa.core.models import AuditEvent
from coxa.core.pagination import PageRequest
from coxa.core.worklists import WorklistPage, page_of


def require(user: User, capability: Capability) -> None:
    """Stop with 403 unless the user's role has the capability."""
    if not can(user.role, capability):
        raise Forbidden(
            ErrorCode.FORBIDDEN,
            f"the {user.role_label.lower()} role may not do this ({capability})",
        )


def list_users(*, by: User, q: str = "", role: str = "") -> QuerySet[User]:
    require(by, Capability.MANAGE_USERS)
    users = User.objects.all().order_by("username")
    if q:
        users = users.filter(username__icontains=q) | users.filter(last_name__icontains=q)
    if role:
        users = users.filter(role=role)
    return users


def get_user(*, by: User, username: str) -> User:
    require(by, Capability.MANAGE_USERS)
    try:
        return User.objects.get(username=username)
    except User.DoesNotExist:
        raise NotFound(ErrorCode.NOT_FOUND, "no such user") from None


# ------------------------------------------------------------------ the audit log
# Patients live in an app above accounts, so the audit log finds and names them through a
# directory the patients app registers when Django starts (coxa/patients/apps.py): the
# patients' own search (names folded for accents and case, NHS, hospital number, birth date).
PATIENT_CHOICES_MAX = 20  # several patients match: list this many to choose from
SYSTEM = "coxa"  # the actor of Coxa's own jobs (audit.record with actor None)


class PatientLike(Protocol):
    """What the audit log reads of a patient (coxa.patients.models.Patient is one)."""

    @property
    def public_id(self) -> uuid.UUID: ...
    @property
    def display_name(self) -> str: ...
    @property
    def hospital_number(self) -> str | None: ...
    @property
    def nhs_number_display(self) -> str: ...
    @property
    def date_of_birth(self) -> dt.date: ...


class PatientsFound(Protocol):
    @property
    def patients(self) -> Sequence[PatientLike]: ...
    @property
    def count(self) -> int: ...


class SearchPatients(Protocol):
    def __call__(
        self, *, actor: User, q: str, page: PageRequest, via: audit.Via
    ) -> PatientsFound: ...


@dataclass(frozen=True)
class PatientDirectory:
    """The patients app's reads the audit log needs, registered by that app."""

    search: SearchPatients  # patients.selectors.search_patients (checks and audits the search)
    by_ids: Callable[[list[uuid.UUID]], Iterable[PatientLike]]  # names for the rows shown
    query_problem: Callable[[str], str | None]  # what is wrong with a query (a bad NHS number)


_directory: list[PatientDirectory] = []


def register_patient_directory(directory: PatientDirectory) -> None:
    _directory[:] = [directory]


def _patients() -> PatientDirectory:
    if not _directory:
        raise RuntimeError("no patient directory: coxa.patients is not in INSTALLED_APPS")
    return _directory[0]


@dataclass(frozen=True)
class PatientShown:
    """A patient as the audit log shows them."""

    public_id: uuid.UUID
    name: str
    hospital_number: str
    nhs_number: str
    born: dt.date

    @classmethod
    def of(cls, patient: PatientLike) -> "PatientShown":
        return cls(
            public_id=patient.public_id,
            name=patient.display_name,
            hospital_number=patient.hospital_number or "",
            nhs_number=patient.nhs_number_display,
            born=patient.date_of_birth,
        )


@dataclass(frozen=True)
class PatientMatches:
    """The patients a query finds: up to PATIENT_CHOICES_MAX of them, and how many in all."""

    patients: list[PatientShown]
    count: int

    @property
    def more(self) -> bool:
        return self.count > len(self.patients)


def patient_query_problem(q: str) -> str | None:
    """What is wrong with a patient query before it is searched (an NHS number's check)."""
    return _patients().query_problem(q)


def find_patients(*, by: User, q: str, via: audit.Via = audit.Via.WEB) -> PatientMatches:
    """The patients a query names, for someone who may read the audit log.

    The search is the patients' own, recorded as a patient search; the query is never recorded.
    """
    require(by, Capability.VIEW_AUDIT)
    found = _patients().search(
        actor=by, q=q, page=PageRequest(number=1, size=PATIENT_CHOICES_MAX), via=via
    )
    return PatientMatches([PatientShown.of(p) for p in found.patients], found.count)


def patient_by_id(*, by: User, patient_id: uuid.UUID) -> PatientShown | None:
    """The patient an audit search was narrowed to (recorded with the search that follows)."""
    require(by, Capability.VIEW_AUDIT)
    return _patients_by_id([patient_id]).get(patient_id)


def audit_people(*, by: User) -> list[User]:
    """Everyone but patients, whose actions the audit log may be narrowed to."""
    require(by, Capability.VIEW_AUDIT)
    staff = User.objects.exclude(role=Role.PATIENT)
    return list(staff.order_by("last_name", "first_name", "username"))


def _patients_by_id(ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, PatientShown]:
    """The patients with these ids (one query); an id no patient has is left out."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return {}
    return {p.public_id: p for p in map(PatientShown.of, _patients().by_ids(wanted))}


@dataclass(frozen=True)
class AuditQuery:
    """What the audit log is searched by; each is optional and they combine."""

    actor: str = ""  # a username, or SYSTEM
    action: str = ""  # an action exactly (audit_labels.ACTION_LABELS)
    patient_id: uuid.UUID | None = None
    date_from: dt.date | None = None  # inclusive, in the service's time zone
    date_to: dt.date | None = None  # inclusive

    def recorded(self) -> dict[str, str]:
        """The search as the audit records it: ids and dates only, never a name typed."""
        return {k: str(v) for k, v in vars(self).items() if v}


@dataclass(frozen=True)
class AuditRow:
    """One audit record as a person reads it."""

    at: dt.datetime
    who: str  # the person's name (their username when they have none)
    actor_username: str
    role: str
    what: str
    reason: str
    patient_id: uuid.UUID | None
    patient: PatientShown | None  # None: no patient, or one no longer found
    via: str


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _filtered(query: AuditQuery) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.all()
    if query.actor == SYSTEM:
        events = events.filter(actor__isnull=True)
    elif query.actor:
        events = events.filter(actor__username=query.actor)
    if query.action:
        events = events.filter(action=query.action)
    if query.patient_id:
        events = events.filter(patient_id=query.patient_id)
    # Whole days in the service's time zone, as ranges on the indexed column (not at__date).
    if query.date_from:
        events = events.filter(at__gte=_start_of(query.date_from))
    if query.date_to and query.date_to < dt.date.max:
        events = events.filter(at__lt=_start_of(query.date_to + dt.timedelta(days=1)))
    return events


def _who(person: User | None, event: AuditEvent) -> str:
    if person is not None:
        return person.get_full_name() or person.username
    return "Coxa" if event.actor_id is None else event.actor_username


def _role_words(role: str) -> str:
    if role == "system":
        return "System"
    try:
        return Role(role).label
    except ValueError:
        return role.replace("-", " ").replace("_", " ").capitalize()


def audit_events(
    *, by: User, query: AuditQuery, page: PageRequest, via: audit.Via = audit.Via.WEB
) -> WorklistPage[AuditRow]:
    """One page of audit records, newest first; the read is itself recorded.

    The same queries however many rows: the page, its capped count, the names of the people
    and the patients on it, and the record of the search.
    """
    require(by, Capability.VIEW_AUDIT)
    events = _filtered(query).order_by("-at", "-id")
    found = page_of(events, page, lambda e: e)
    people = {
        u.pk: u for u in User.objects.filter(pk__in={e.actor_id for e in found.rows if e.actor_id})
    }
    patients = _patients_by_id(e.patient_id for e in found.rows if e.patient_id)

    def row(e: AuditEvent) -> AuditRow:
        person = people.get(e.actor_id) if e.actor_id is not None else None
        return AuditRow(
            at=e.at,
            who=_who(person, e),
            actor_username=e.actor_username,
            role=_role_words(e.actor_role),
            what=audit.action_label(e.action),
            reason=e.reason,
            patient_id=e.patient_id,
            patient=patients.get(e.patient_id) if e.patient_id else None,
            via=audit.via_label(e.via),
        )

    audit.record(
        actor=by,
        action="audit.search",
        object_type="audit",
        patient_id=query.patient_id,
        summary="Read the audit log",
        via=via,
        details={**query.recorded(), "page": page.number, "shown": [str(p) for p in patients]},
    )
    return WorklistPage(
        rows=[row(e) for e in found.rows],
        count=found.count,
        number=found.number,
        size=found.size,
        has_next=found.has_next,
    )

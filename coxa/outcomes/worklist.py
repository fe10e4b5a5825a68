"""The follow-up worklist: hips with follow-up due, overdue, or lost, by due day.

Due is a questionnaire or a clinic review of the hip's schedule (ADR 0018, ADR 0022).

Reads only the stored programmes (``services/schedule.refresh`` keeps them current, and the
nightly sweep moves them on), through indexes: a page costs the same queries however many
hips. Paging, the capped count and the audit record are every worklist's (core/worklists.py).
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from coxa.accounts.domain import Capability
from coxa.accounts.models import User
from coxa.accounts.selectors import require
from coxa.catalogue.loader import get_catalogue
from coxa.core import audit, clock
from coxa.core.errors import ErrorCode, InvalidInput
from coxa.core.pagination import PageRequest
from coxa.core.worklists import WorklistPage, page_of, record_read
from coxa.outcomes.domain.schedule import FOLLOWED, Status
from coxa.outcomes.models import FollowUpProgramme, ProgrammeStatus
from coxa.pathways.models import Episode

STATUSES = {"due": "Due", "overdue": "Overdue", "lost": "Lost to follow-up"}
DUE_KINDS = {"questionnaires": "Questionnaires", "clinic-review": "A clinic review"}


@dataclass(frozen=True)
class FollowUpQuery:
    status: str = ""  # due | overdue | lost; blank: all three
    procedure: str = ""
    due: str = ""  # questionnaires | clinic-review; blank: either

    def check(self) -> None:
        procedures = tuple(get_catalogue().procedures)
        for field, value, allowed, code in (
            ("status", self.status, tuple(STATUSES), ErrorCode.INVALID_VALUE),
            ("procedure", self.procedure, procedures, ErrorCode.UNKNOWN_PROCEDURE),
            ("due", self.due, tuple(DUE_KINDS), ErrorCode.INVALID_VALUE),
        ):
            if value and value not in allowed:
                raise InvalidInput(code, f"{field} must be one of: {', '.join(allowed)}", field)


@dataclass(frozen=True)
class Row:
    """One hip on the list: its programme (with the episode and patient), and what is due."""

    programme: FollowUpProgramme
    status: Status
    what: tuple[str, ...]  # the questionnaires' names, then "Clinic review"

    @property
    def episode(self) -> Episode:
        return self.programme.episode

    @property
    def schedule(self) -> str:
        return f"{self.episode.procedure}@{self.programme.schedule_version}"


def worklist(*, actor: User, query: FollowUpQuery) -> QuerySet[FollowUpProgramme]:
    """The programmes on the list, by due day (a lost hip whose schedule ended: its lost day)."""
    require(actor, Capability.VIEW_PATIENTS)
    query.check()
    today = clock.today()
    rows = FollowUpProgramme.objects.filter(
        status__in=(ProgrammeStatus.ACTIVE, ProgrammeStatus.FINISHED),
        shows_from__lte=today,
        episode__state__in=[s.value for s in FOLLOWED],
    )
    lost = Q(lost_on__lte=today)
    overdue = Q(overdue_from__lte=today)
    if query.status == "lost":
        rows = rows.filter(lost)
    elif query.status == "overdue":
        rows = rows.filter(overdue).exclude(lost)
    elif query.status == "due":
        rows = rows.exclude(overdue).exclude(lost)
    if query.procedure:
        rows = rows.filter(episode__procedure=query.procedure)
    if query.due == "questionnaires":
        rows = rows.filter(next_has_questionnaires=True)
    elif query.due == "clinic-review":
        rows = rows.filter(next_clinic_review=True)
    return rows.select_related("episode__patient").order_by("sort_on", "id")


def _row(programme: FollowUpProgramme, today: dt.date) -> Row:
    instruments = get_catalogue().instruments
    names = [
        instruments[code].title if code in instruments else code
        for code in programme.next_questionnaires
    ]
    if programme.next_clinic_review:
        names.append("Clinic review")
    return Row(programme, programme.status_on(today) or Status.LOST, tuple(names))


def list_follow_up_worklist(
    *, actor: User, query: FollowUpQuery, page: PageRequest, via: audit.Via
) -> WorklistPage[Row]:
    """One page of the follow-up worklist, counted up to COUNT_CAP + 1; audited."""
    today = clock.today()
    listed = page_of(worklist(actor=actor, query=query), page, lambda p: _row(p, today))
    record_read(
        actor=actor,
        worklist="follow-up",
        summary=f"Follow-up worklist ({listed.count} hips)",
        via=via,
        shown=[row.episode.public_id for row in listed.rows],
        filters=vars(query),
    )
    return listed

"""The pre-assessment worklist: which tracked episodes need the team, filtered and sorted.

Reads only the stored readiness (never recomputes it), so the cost of a page does not grow
with the number of episodes beyond the indexed filters. Paging, the capped count and the
audit record of a read are every worklist's (core/worklists.py, ADR 0018).
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import F, OuterRef, Q, QuerySet, Subquery

from coxa.accounts.domain import Capability
from coxa.accounts.models import User
from coxa.accounts.selectors import require
from coxa.assessment.domain.requirements import EXPIRY_WARNING_DAYS, TRACKED
from coxa.assessment.models import AsaGrade, Readiness
from coxa.core import audit, clock
from coxa.core.errors import ErrorCode, InvalidInput
from coxa.core.pagination import PageRequest
from coxa.core.worklists import Split, WorklistPage, cut_off, page_of, record_read
from coxa.decisions.domain.findings import Candidacy
from coxa.pathways.domain import EpisodeState
from coxa.pathways.models import Episode
from coxa.terminology.codes import CLASS_LABELS

STOP_WINDOW_DAYS = 14  # medication stops due in the next 14 days (issue 4)
FLAGS = (
    "missing",
    "expiring",
    "unactioned",
    "stops-due",
    "optimising-long",
    "moved-back",
    "late-stop",
)
SORTS: dict[str, tuple[Any, ...]] = {
    "operation": ("operation_sort_on", "id"),
    "waiting": ("state_changed_at", "id"),
    "name": ("patient__family_key", "patient__given_key", "id"),
    "referred": ("referred_on", "id"),
}
# Sorts an index on (state, the sort) serves: a page of several states is read state by
# state and merged (core/worklists.page_of's split). Not "name": text is merged in
# Python's order, which need not be the database's collation.
BY_STATE_SORTS = ("operation", "waiting")


def by_state(*states: EpisodeState) -> Split:
    """The split of a list of these states (all tracked ones when none are named)."""
    return ("state", tuple(s.value for s in states or TRACKED))


def optimising_since() -> dt.datetime:
    """Optimising since before this is too long: the list and its flags read one moment."""
    return cut_off(dt.timedelta(days=settings.OPTIMISING_ALERT_DAYS))


def _flag(name: str, today: dt.date, *, for_listing: bool = False) -> Q:
    """The condition for one flag.

    ``for_listing`` compares the count columns as ``count + 0``, which no index matches: a
    page is then read by walking the ordering index until it is full, while a count (whose
    rows may be rare) still uses the counts' own indexes. Measured in bench/worklist.py.
    """
    long_ago = optimising_since()
    missing, unactioned = (
        ("missing_plus", "unactioned_plus")
        if for_listing
        else ("readiness__missing_count", "readiness__unactioned_count")
    )
    return {
        "missing": Q(readiness__isnull=True) | Q(**{f"{missing}__gt": 0}),
        "expiring": Q(readiness__expired_count__gt=0)
        | Q(readiness__expires_on__lte=today + dt.timedelta(days=EXPIRY_WARNING_DAYS)),
        "unactioned": Q(**{f"{unactioned}__gt": 0}),
        "stops-due": Q(
            readiness__first_stop_on__gte=today,
            readiness__first_stop_on__lte=today + dt.timedelta(days=STOP_WINDOW_DAYS),
        ),
        "optimising-long": Q(state=EpisodeState.OPTIMISING.value, state_changed_at__lte=long_ago),
        # Ready or booked, then moved back by the readiness gate (results expired, a new
        # abnormal result or caution): until it is ready again.
        "moved-back": Q(readiness__moved_back_at__isnull=False),
        # A medicine recorded (or decided) after its stop day: the patient could not stop
        # in time; a clinician decides (a new plan) or the operation moves.
        "late-stop": Q(readiness__late_stop=True),
    }[name]


@dataclass(frozen=True)
class WorklistQuery:
    flag: str = ""
    procedure: str = ""
    state: str = ""
    sort: str = "operation"

    def check(self) -> None:
        tracked = [s.value for s in TRACKED]
        for field, value, allowed, code in (
            ("flag", self.flag, FLAGS, ErrorCode.UNKNOWN_FLAG),
            ("state", self.state, tracked, ErrorCode.UNKNOWN_STATE),
            ("sort", self.sort, tuple(SORTS), ErrorCode.UNKNOWN_SORT),
        ):
            if value and value not in allowed:
                raise InvalidInput(code, f"{field} must be one of: {', '.join(allowed)}", field)


def worklist(*, actor: User, query: WorklistQuery, for_listing: bool = True) -> QuerySet[Episode]:
    """The episodes on the worklist, sorted; ``for_listing=False`` shapes it for counting."""
    require(actor, Capability.VIEW_PATIENTS)
    query.check()
    today = clock.today()
    episodes = Episode.objects.filter(state__in=[s.value for s in TRACKED])
    # SQLite's planner otherwise sorts every match; PostgreSQL chooses well unaided.
    for_listing = for_listing and connection.vendor == "sqlite"
    if for_listing:
        episodes = episodes.alias(
            missing_plus=F("readiness__missing_count") + 0,
            unactioned_plus=F("readiness__unactioned_count") + 0,
        )
    if query.state:
        episodes = episodes.filter(state=query.state)
    if query.procedure:
        episodes = episodes.filter(procedure=query.procedure)
    if query.flag:
        episodes = episodes.filter(_flag(query.flag, today, for_listing=for_listing))
    else:
        any_flag = Q()
        for name in FLAGS:
            any_flag |= _flag(name, today, for_listing=for_listing)
        episodes = episodes.filter(any_flag)
    # The rows show the stored columns, never the panel (a JSON document each: decoding 50 of
    # them was most of a page's time).
    return (
        episodes.select_related("patient", "readiness")
        .defer("readiness__panel")
        .order_by(*SORTS[query.sort or "operation"])
    )


def flags_of(episode: Episode, today: dt.date) -> list[str]:
    """The worklist flags an episode carries (for display and CSV)."""
    snapshot = getattr(episode, "readiness", None)
    found = []
    if snapshot is None or snapshot.missing_count:
        found.append("missing")
    if snapshot and (
        snapshot.expired_count
        or (
            snapshot.expires_on
            and snapshot.expires_on <= today + dt.timedelta(days=EXPIRY_WARNING_DAYS)
        )
    ):
        found.append("expiring")
    if snapshot and snapshot.unactioned_count:
        found.append("unactioned")
    if (
        snapshot
        and snapshot.first_stop_on
        and (today <= snapshot.first_stop_on <= today + dt.timedelta(days=STOP_WINDOW_DAYS))
    ):
        found.append("stops-due")
    if (
        episode.state == EpisodeState.OPTIMISING.value
        and episode.state_changed_at <= optimising_since()
    ):
        found.append("optimising-long")
    if snapshot and snapshot.moved_back_at is not None:
        found.append("moved-back")
    if snapshot and snapshot.late_stop:
        found.append("late-stop")
    return found


def list_pre_assessment_worklist(
    *, actor: User, query: WorklistQuery, page: PageRequest, via: audit.Via
) -> WorklistPage[Episode]:
    """One page of the worklist, counted up to COUNT_CAP + 1; audited (core/worklists.py)."""
    by_sort = (query.sort or "operation") in BY_STATE_SORTS
    split = by_state() if by_sort and not query.state else None
    listed = page_of(
        worklist(actor=actor, query=query),
        page,
        lambda episode: episode,
        counted=worklist(actor=actor, query=query, for_listing=False),
        split=split,
        by_version=True,
    )
    record_read(
        actor=actor,
        worklist="pre-assessment",
        summary=f"Pre-assessment worklist ({listed.count} episodes)",
        via=via,
        shown=[e.public_id for e in listed.rows],
        filters=vars(query),
    )
    return listed


def export_of(*, actor: User, query: WorklistQuery, via: audit.Via) -> QuerySet[Episode]:
    """The whole filtered worklist for a CSV export; the export is recorded with its size."""
    episodes = worklist(actor=actor, query=query)
    count = episodes.order_by().count()
    audit.record(
        actor=actor,
        action="worklist.pre-assessment.export",
        object_type="worklist",
        summary=f"Pre-assessment worklist exported ({count} rows)",
        via=via,
        details={"filters": {k: v for k, v in vars(query).items() if v}},
    )
    return episodes


# ---------------------------------------------------------------- read by the workspace
# Parts of the pre-assessment picture a home page shows beside other apps' lists; the page
# records one read of them all (core/worklists.record_read). Each reads the stored readiness.
NOT_READY = (EpisodeState.LISTED, EpisodeState.OPTIMISING)


def _tracked(actor: User) -> QuerySet[Episode]:
    require(actor, Capability.VIEW_PATIENTS)
    return Episode.objects.filter(state__in=[s.value for s in TRACKED]).select_related(
        "patient", "readiness"
    )


def not_ready(*, actor: User) -> QuerySet[Episode]:
    """Listed or optimising hips (the gate does not hold), soonest operation first."""
    return (
        _tracked(actor)
        .filter(state__in=[s.value for s in NOT_READY])
        .order_by("operation_sort_on", "id")
    )


def expiring(*, actor: User) -> QuerySet[Episode]:
    """Hips with a result out of date, or running out within the warning window."""
    return (
        _tracked(actor).filter(_flag("expiring", clock.today())).order_by("operation_sort_on", "id")
    )


def with_cautions(*, actor: User) -> QuerySet[Episode]:
    """Hips with a candidacy caution no surgeon has acknowledged (``waiting_of`` words them).

    Read from the stored count, so every such hip is found however many others there are;
    a contraindicated hip is left out: there is nothing a surgeon may acknowledge there.
    """
    return (
        _tracked(actor)
        .filter(readiness__cautions_waiting__gt=0)
        .exclude(readiness__candidacy=Candidacy.CONTRAINDICATED.value)
        .order_by("operation_sort_on", "id")
    )


def undecided(*, actor: User) -> QuerySet[Episode]:
    """Hips with a medicine stop waiting on a clinician's decision (``waiting_of`` names them).

    Read from the stored count, so every such hip is found however many others there are.
    """
    return (
        _tracked(actor)
        .filter(readiness__decisions_waiting__gt=0)
        .order_by("operation_sort_on", "id")
    )


def operating_between(*, actor: User, first: dt.date, last: dt.date) -> QuerySet[Episode]:
    """Tracked hips with an operation date from ``first`` to ``last``, by date.

    Each carries the newest current ASA grade as ``asa`` (None when none is recorded).
    """
    newest = AsaGrade.objects.filter(episode=OuterRef("pk"), is_current=True).order_by(
        "-on", "-recorded_at", "-id"
    )
    return (
        _tracked(actor)
        .filter(operation_sort_on__range=(first, last))
        .annotate(asa=Subquery(newest.values("grade")[:1]))
        .order_by("operation_sort_on", "id")
    )


@dataclass(frozen=True)
class Waiting:
    """What a hip's stored readiness says waits on a clinician."""

    cautions: tuple[str, ...]  # candidacy cautions no surgeon has acknowledged (messages)
    decisions: tuple[tuple[str, str], ...]  # (medicine, its class in words) to decide

    def decisions_of(self, *classes: str) -> tuple[str, ...]:
        """The medicines waiting whose class (in words) starts with one of ``classes``."""
        return tuple(m for m, label in self.decisions if label.startswith(classes))


def waiting_of(snapshot: Readiness | None) -> Waiting:
    """Unacknowledged cautions and undecided medicines, as the readiness service stored them."""
    if snapshot is None:
        return Waiting((), ())
    panel = snapshot.panel
    return Waiting(
        cautions=tuple(
            str(c["message"]) for c in panel.get("cautions", []) if not c.get("acknowledged")
        ),
        decisions=tuple(
            (str(s["medication"]), CLASS_LABELS.get(str(s["class"]), str(s["class"])))
            for s in panel.get("medication_stops", [])
            if s.get("needs_decision")
        ),
    )

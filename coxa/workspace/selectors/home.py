"""Each role's home page: what needs this person today, read through the owning apps' lists.

The clinical groups are built in ``selectors/clinical.py``, each from a list its app owns;
this module says which groups each role sees, adds the administrator's accounts, and
records the page's read once, naming every hip shown (``core/worklists.record_read``).
"""

import datetime as dt
from collections.abc import Callable, Iterable

from axes.models import AccessAttempt
from django.conf import settings
from django.core.cache import cache
from django.db.models import Count
from django.utils import timezone

from coxa.accounts.domain import Capability, Role, can
from coxa.accounts.models import User
from coxa.accounts.selectors import list_users
from coxa.core import audit, clock, versions
from coxa.core.worklists import COUNT_CAP, capped_count, record_read
from coxa.enquiries.domain import Status as EnquiryStatus
from coxa.enquiries.worklist import queue
from coxa.pathways.domain import STATE_ORDER
from coxa.pathways.models import Episode
from coxa.workspace.domain.home import SHOWN, Group, Home, Item, group
from coxa.workspace.selectors.clinical import (
    Built,
    anaesthetic,
    cautions,
    decisions,
    expiring,
    not_ready,
    physiotherapy,
    reviews,
    surveillance_list,
    theatre_lists,
    unsigned,
    ward,
)

# A request not answered within this many days is shown first, marked (service policy: a
# person who asked for a consultation hears back within a working week).
REQUEST_WAIT_DAYS = 5


def _requests(actor: User, today: dt.date) -> Built:
    """New consultation requests from the public site, oldest first, each one click away.

    Named by the operation asked about and the day, not the person (the queue shows who, and
    records that read).
    """
    if not can(actor.role, Capability.TRIAGE_ENQUIRIES):
        return []
    waiting = queue(actor=actor, status=EnquiryStatus.NEW.value)
    oldest = list(waiting.order_by("received_at", "id")[:SHOWN])
    received = {e.pk: timezone.localtime(e.received_at).date() for e in oldest}  # the day here
    items = [
        Item(
            f"New request about {e.procedure_label}"
            + (f" ({'; '.join(e.marks).lower()})" if e.marks else ""),
            "enquiries:detail",
            e.public_id,
            on=received[e.pk],
            urgent=not (e.automated or e.over_limit)
            and (today - received[e.pk]).days >= REQUEST_WAIT_DAYS,
        )
        for e in oldest
    ]
    return [
        group(
            "requests",
            "Consultation requests waiting",
            "No new consultation requests",
            items,
            capped_count(waiting),
            more="enquiries:queue",
            more_query="status=new",
            more_label="Consultation requests",
            urgent_first=False,
        )
    ]


def _accounts(actor: User, today: dt.date) -> Built:
    since = clock.now() - settings.AXES_COOLOFF_TIME
    attempted = AccessAttempt.objects.filter(
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=since
    ).values_list("username", flat=True)[:COUNT_CAP]
    # Accounts only: a name no account has (a guess, or the portal invitation's counter)
    # locks out a client address, not an account.
    locked = sorted(
        User.objects.filter(username__in=set(attempted)).values_list("username", flat=True)
    )
    never = list_users(by=actor).filter(last_login__isnull=True, is_active=True)
    never_items = [
        Item(
            f"{u.get_full_name() or u.username} ({u.role_label}): never signed in",
            "accounts:user-edit",
            u.username,
        )
        for u in never[:SHOWN]
    ]
    return [
        group(
            "locked",
            "Accounts locked out after failed sign-ins",
            "No accounts locked out",
            [Item(f"{name}: locked out", "accounts:user-edit", name) for name in locked if name],
            len(locked),
            more="accounts:users",
            more_label="Users",
        ),
        group(
            "never",
            "Accounts never signed in",
            "Every active account has signed in",
            never_items,
            capped_count(never),
            more="accounts:users",
            more_label="Users",
        ),
    ]


ROLE_GROUPS: dict[Role, Callable[[User, dt.date], Built]] = {
    Role.SURGEON: lambda a, t: [
        theatre_lists(a, t, mine=True),
        unsigned(a, t),
        cautions(a, t),
        surveillance_list(a, t, "flagged", "Surveillance hips flagged", "No hips flagged"),
        surveillance_list(a, t, "repeat", "Surveillance awaiting a repeat", "No repeats awaited"),
        reviews(a, t),
    ],
    Role.NURSE: lambda a, t: [
        not_ready(a, t),
        decisions(a, t),
        expiring(a, t),
        *_requests(a, t),
        surveillance_list(
            a,
            t,
            "",
            "Surveillance due, overdue or flagged",
            "No surveillance hips due or flagged",
        ),
    ],
    Role.ANAESTHETIST: lambda a, t: [anaesthetic(a, t), theatre_lists(a, t, mine=False)],
    Role.PHYSIOTHERAPIST: lambda a, t: [ward(a, t), physiotherapy(a, t), reviews(a, t)],
    Role.ADMINISTRATOR: lambda a, t: [*_accounts(a, t), *_requests(a, t)],
}


COUNTS_SECONDS = 24 * 60 * 60  # a version's counts stay true for as long as it lasts


def _counts() -> tuple[tuple[str, str, int], ...]:
    """Hips by state: counted once for each version of the data (every change moves it).

    Counting every episode is the one read here that grows with the service (ADR 0018), so
    the counts are kept in the cache under the data's version (ADR 0028, H84), as the
    analytics are: the first home page after a change counts, the others read the counts.
    """
    key = f"home:episodes-by-state:{versions.data_key()}"
    by_state = cache.get(key)
    if by_state is None:
        by_state = dict(
            Episode.objects.values_list("state").annotate(n=Count("id")).values_list("state", "n")
        )
        cache.set(key, by_state, COUNTS_SECONDS)
    return tuple((s.value, s.label, by_state.get(s.value, 0)) for s in STATE_ORDER)


def home_of(*, actor: User, via: audit.Via) -> Home:
    """The actor's home page; a clinical role's read is recorded once, naming every hip shown."""
    role = Role(actor.role)
    today = clock.today()
    build = ROLE_GROUPS.get(role)
    with versions.held():  # one read of the data's version for every count kept under it
        groups: Iterable[Group] = build(actor, today) if build is not None else ()
        home = Home(role.label, tuple(groups), _counts())
    if can(actor.role, Capability.VIEW_PATIENTS):
        record_read(
            actor=actor,
            worklist="home",
            summary=f"Read their home page ({len(home.shown)} hips shown)",
            via=via,
            shown=home.shown,
            filters={"role": role.value},
        )
    return home

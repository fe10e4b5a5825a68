"""Each role's home page: what needs this person today, read through the owning apps' lists.

The clinical groups are built in ``selectors/clinical.py``, each from a list its app owns;
this module says which groups each role sees, adds the administrator's accounts, and
records the page's read once, naming every hip shown (``core/worklists.record_read``).
"""

import datetime as dt
from collections.abc import Callable, Iterable

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Count

from coxa.accounts.domain import Capability, Role, can
from coxa.accounts.models import User
from coxa.accounts.selectors import list_users
from coxa.core import audit, clock
from coxa.core.worklists import COUNT_CAP, capped_count, record_read
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


def _accounts(actor: User, today: dt.date) -> Built:
    since = clock.now() - settings.AXES_COOLOFF_TIME
    locked = sorted(
        set(
            AccessAttempt.objects.filter(
                failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=since
            ).values_list("username", flat=True)[:COUNT_CAP]
        )
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
    Role.ADMINISTRATOR: _accounts,
}


def _counts() -> tuple[tuple[str, str, int], ...]:
    by_state = dict(
        Episode.objects.values_list("state").annotate(n=Count("id")).values_list("state", "n")
    )
    return tuple((s.value, s.label, by_state.get(s.value, 0)) for s in STATE_ORDER)


def home_of(*, actor: User, via: audit.Via) -> Home:
    """The actor's home page; a clinical role's read is recorded once, naming every hip shown."""
    role = Role(actor.role)
    today = clock.today()
    build = ROLE_GROUPS.get(role)
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

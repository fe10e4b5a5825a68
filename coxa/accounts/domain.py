"""Roles and what each may do. Pure: the one table every permission check reads.

And what a connected system's SMART scopes let it read (``parse_scope``, ``grant``,
``allows``): the scopes narrow, never widen, what the role may do.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    SURGEON = "surgeon"
    NURSE = "nurse"
    ANAESTHETIST = "anaesthetist"
    PHYSIOTHERAPIST = "physiotherapist"
    ADMINISTRATOR = "administrator"
    ANALYST = "analyst"
    PATIENT = "patient"
    # Another system's service account (an EHR, a registry, a warehouse): it signs in with
    # no password, only with its registered key (SMART Backend Services, CDS Hooks; ADR 0033).
    # Not "system", which the audit log uses for Coxa itself.
    SYSTEM = "connected-system"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS: dict[Role, str] = {
    Role.SURGEON: "Surgeon",
    Role.NURSE: "Pre-assessment nurse",
    Role.ANAESTHETIST: "Anaesthetist",
    Role.PHYSIOTHERAPIST: "Physiotherapist",
    Role.ADMINISTRATOR: "Administrator",
    Role.ANALYST: "Registry analyst",
    Role.PATIENT: "Patient",
    Role.SYSTEM: "Connected system",
}


class Capability(StrEnum):
    VIEW_PATIENTS = "view-patients"  # identifiable records of any patient
    EDIT_PATIENTS = "edit-patients"  # register and correct patients
    CREATE_EPISODES = "create-episodes"
    MOVE_EPISODES = "move-episodes"  # state transitions
    VIEW_PSEUDONYMISED = "view-pseudonymised"  # episodes without direct identifiers
    VIEW_AUDIT = "view-audit"
    MANAGE_USERS = "manage-users"
    VIEW_OWN_RECORDS = "view-own-records"  # a patient, their own records only
    SCHEDULE_OPERATIONS = "schedule-operations"  # date, surgeon and theatre list
    WRITE_OPERATION_NOTES = "write-operation-notes"  # write, sign and amend
    RECORD_DISCHARGE = "record-discharge"
    ADJUST_RECOVERY_PLANS = "adjust-recovery-plans"
    RECORD_PHYSIOTHERAPY = "record-physiotherapy"
    ACKNOWLEDGE_CAUTIONS = "acknowledge-cautions"  # accept a hip's candidacy cautions
    DECIDE_MEDICINES = "decide-medicines"  # record whether and when a medicine stops
    CONFIRM_IMPLANT_OVERRIDES = "confirm-implant-overrides"  # the second clinician's check
    SET_WEIGHT_BEARING = "set-weight-bearing"  # move a recovery phase's end (the surgeon's)
    RECORD_ASSESSMENT = "record-assessment"  # pre-assessment entries (not medicine plans)
    USE_DECISION_SUPPORT = "use-decision-support"  # the engine on a document, CDS Hooks
    END_REHABILITATION = "end-rehabilitation"  # move a recovering hip on to follow-up
    RECORD_DECISIONS = "record-decisions"  # store the engine's decision on a hip, with versions
    # Consent to the operation is taken by a surgeon: the one who discusses the material
    # risks and the alternatives, and the restricted head size a resurfacing may need. A
    # nurse or anaesthetist does not take it here: a delegate must know the operation well
    # enough to answer the patient, and the service has no record of who is trained to.
    TAKE_CONSENT = "take-consent"
    # A patient may withdraw consent to any clinician who cares for them before the
    # operation (surgeon, pre-assessment nurse, anaesthetist): recording it only stops the
    # booking, so it is never withheld for want of the surgeon.
    WITHDRAW_CONSENT = "withdraw-consent"
    # A questionnaire a patient answered, entered by the clinician who asked it (in clinic or
    # on the phone); patients enter their own through the portal and the API.
    RECORD_OUTCOMES = "record-outcomes"
    # A follow-up clinic review: surgeons and nurses record all of it (X-ray findings, the
    # plan); physiotherapists record function only (pain, movement, walking, work, sport).
    RECORD_REVIEWS = "record-reviews"
    RECORD_REVIEW_FUNCTION = "record-review-function"
    # A complication of the operation, graded (Clavien-Dindo), and striking out one made in
    # error: the clinicians who find and treat them (surgeon, ward nurse, anaesthetist for
    # the anaesthetic's). Not the physiotherapist: they report what they find to the team,
    # who grade it; nor administrators, analysts or patients.
    RECORD_COMPLICATIONS = "record-complications"
    # Load the service's licensed wording and value sets (Oxford Hip Score, EQ-5D-5L) with
    # `coxa instruments load`: whoever administers the service's licences.
    LOAD_LICENSED_INSTRUMENTS = "load-licensed-instruments"
    # How a hip's episode ends (ADR 0013): a conversion or revision, and a patient's death,
    # which closes every open episode. Surgeons, and nurses, who run the follow-up clinics and
    # hear of a failure treated or a death elsewhere; not the physiotherapist, anaesthetist,
    # or administrator.
    RECORD_END_POINTS = "record-end-points"
    # Metal-on-metal surveillance (issue 15): enrol a hip, record blood metal levels, imaging
    # and the surveillance review, and contact patients in a recall. Surgeons and nurses, who
    # run the surveillance clinic; not the physiotherapist, anaesthetist or administrator.
    RECORD_SURVEILLANCE = "record-surveillance"
    # Consultation requests from the public form (issue 17): read them, change their status,
    # and turn one into a patient and a referral. The roles that register patients.
    TRIAGE_ENQUIRIES = "triage-enquiries"
    # A connected system's bulk export of records (FHIR Bulk Data, $export): only connected
    # systems, and only as far as their scopes reach; no person exports every record at once.
    EXPORT_RECORDS = "export-records"


_CLINICAL_READ = frozenset({Capability.VIEW_PATIENTS, Capability.VIEW_PSEUDONYMISED})

ROLE_CAPABILITIES: dict[Role, frozenset[Capability]] = {
    Role.SURGEON: _CLINICAL_READ
    | {
        Capability.RECORD_OUTCOMES,
        Capability.RECORD_REVIEWS,
        Capability.RECORD_COMPLICATIONS,
        Capability.RECORD_END_POINTS,
        Capability.RECORD_SURVEILLANCE,
        Capability.EDIT_PATIENTS,
        Capability.TRIAGE_ENQUIRIES,
        Capability.CREATE_EPISODES,
        Capability.MOVE_EPISODES,
        Capability.RECORD_DECISIONS,
        Capability.SCHEDULE_OPERATIONS,
        Capability.WRITE_OPERATION_NOTES,
        Capability.RECORD_DISCHARGE,
        Capability.ADJUST_RECOVERY_PLANS,
        Capability.RECORD_PHYSIOTHERAPY,
        Capability.ACKNOWLEDGE_CAUTIONS,
        Capability.DECIDE_MEDICINES,
        Capability.CONFIRM_IMPLANT_OVERRIDES,
        Capability.SET_WEIGHT_BEARING,
        Capability.RECORD_ASSESSMENT,
        Capability.USE_DECISION_SUPPORT,
        Capability.TAKE_CONSENT,
        Capability.WITHDRAW_CONSENT,
    },
    Role.NURSE: _CLINICAL_READ
    | {
        Capability.RECORD_OUTCOMES,
        Capability.RECORD_REVIEWS,
        Capability.RECORD_COMPLICATIONS,
        Capability.RECORD_END_POINTS,
        Capability.RECORD_SURVEILLANCE,
        Capability.WITHDRAW_CONSENT,
        Capability.RECORD_ASSESSMENT,
        Capability.USE_DECISION_SUPPORT,
        Capability.EDIT_PATIENTS,
        Capability.TRIAGE_ENQUIRIES,
        Capability.CREATE_EPISODES,
        Capability.MOVE_EPISODES,
        Capability.RECORD_DECISIONS,
        Capability.SCHEDULE_OPERATIONS,
        Capability.RECORD_DISCHARGE,
        Capability.ADJUST_RECOVERY_PLANS,
    },
    Role.ANAESTHETIST: _CLINICAL_READ
    | {
        Capability.RECORD_OUTCOMES,
        Capability.RECORD_COMPLICATIONS,
        Capability.RECORD_ASSESSMENT,
        Capability.USE_DECISION_SUPPORT,
        Capability.DECIDE_MEDICINES,
        Capability.CONFIRM_IMPLANT_OVERRIDES,
        Capability.WITHDRAW_CONSENT,
    },
    Role.PHYSIOTHERAPIST: _CLINICAL_READ
    | {
        Capability.RECORD_OUTCOMES,
        Capability.RECORD_REVIEW_FUNCTION,
        Capability.USE_DECISION_SUPPORT,
        Capability.END_REHABILITATION,
        Capability.ADJUST_RECOVERY_PLANS,
        Capability.RECORD_PHYSIOTHERAPY,
    },
    Role.ADMINISTRATOR: _CLINICAL_READ
    | {
        Capability.EDIT_PATIENTS,
        Capability.TRIAGE_ENQUIRIES,
        Capability.CREATE_EPISODES,
        Capability.VIEW_AUDIT,
        Capability.MANAGE_USERS,
        Capability.SCHEDULE_OPERATIONS,
        Capability.LOAD_LICENSED_INSTRUMENTS,
    },
    Role.ANALYST: frozenset({Capability.VIEW_PSEUDONYMISED}),
    Role.PATIENT: frozenset({Capability.VIEW_OWN_RECORDS}),
    # A connected system reads patients' records (the FHIR API), exports them, and asks for
    # decision support (CDS Hooks), each only as far as its scopes allow. The permission
    # table admits it to the few rows marked for systems and refuses it every page and every
    # JSON-API operation (permissions.Rule.systems).
    Role.SYSTEM: frozenset(
        {Capability.VIEW_PATIENTS, Capability.EXPORT_RECORDS, Capability.USE_DECISION_SUPPORT}
    ),
}


def can(role: str, capability: Capability) -> bool:
    """Tell whether a role has a capability; an unknown role has none."""
    try:
        return capability in ROLE_CAPABILITIES[Role(role)]
    except ValueError:
        return False


def is_staff_role(role: str) -> bool:
    """Staff use /staff/; patients use /portal/. An unknown role, or a system, is neither."""
    return role in {r.value for r in Role} and role not in {Role.PATIENT, Role.SYSTEM}


# ------------------------------------------------------------------ SMART scopes
# SMART App Launch 2.2, "Scopes and launch context": context/ResourceType.permissions, the
# permissions a subset of "cruds" in that order (v2), or SMART v1's words read, write and *
# (v1 read is v2 rs, write is cud, * is cruds). Coxa's FHIR API only reads, so a system is
# registered for, and granted, read (r) and search (s) at most. Scopes with a query (v2's
# finer-grained ``?category=...``) are not granted: Coxa does not filter by them.
PERMISSIONS = "cruds"
READ_ONLY = "rs"
V1_WORDS = {"read": "rs", "write": "cud", "*": "cruds"}
_SCOPE = re.compile(r"(patient|user|system)/(\*|[A-Z][A-Za-z]{0,63})\.([a-z*]{1,5})")


class Interaction(StrEnum):
    """What a caller does with a resource type, by SMART's letter for it."""

    READ = "r"  # read, vread, an instance's history
    SEARCH = "s"  # search, a type's or the system's history (a bulk export is searches)


@dataclass(frozen=True, slots=True)
class Scope:
    """One clinical scope: ``system/Observation.rs``; ``v1`` when asked as ``.read``."""

    context: str  # patient, user or system (a connected system is granted system/ only)
    resource: str  # a FHIR resource type, or * for every type
    permissions: str  # a subset of "cruds", in that order
    v1: bool = False

    def __str__(self) -> str:
        """As SMART writes it, in the syntax it was asked in (v1 when v1 can say it)."""
        if self.v1:
            for word, letters in V1_WORDS.items():
                if letters == self.permissions:
                    return f"{self.context}/{self.resource}.{word}"
        return f"{self.context}/{self.resource}.{self.permissions}"

    def covers(self, other: "Scope") -> bool:
        return (
            self.context == other.context
            and self.resource in {"*", other.resource}
            and set(other.permissions) <= set(self.permissions)
        )


def _in_order(letters: str) -> bool:
    """A non-empty subset of "cruds" in that order, none twice (".dus" is not a scope)."""
    position = -1
    for letter in letters:
        found = PERMISSIONS.find(letter)
        if found <= position:
            return False
        position = found
    return bool(letters)


def parse_scope(text: str) -> Scope | None:
    """A clinical scope, or None: anything else, out of order, or with a query."""
    match = _SCOPE.fullmatch(text)
    if match is None:
        return None
    context, resource, suffix = match.groups()
    if suffix in V1_WORDS:
        return Scope(context, resource, V1_WORDS[suffix], v1=True)
    return Scope(context, resource, suffix) if _in_order(suffix) else None


def scopes_of(text: str) -> tuple[Scope, ...]:
    """The scopes of a space-separated list that parse; the others are left out."""
    return tuple(s for s in (parse_scope(word) for word in text.split()) if s is not None)


def scope_text(scopes: Iterable[Scope]) -> str:
    return " ".join(str(s) for s in scopes)


def registration_problem(text: str) -> str | None:
    """Why a scope cannot be registered for a connected system, or None if it can."""
    scope = parse_scope(text)
    if scope is None:
        return f"{text!r} is not a SMART scope (e.g. system/Observation.rs, system/*.read)"
    if scope.context != "system":
        return f"{text!r}: a connected system is registered for system/ scopes only"
    if not set(scope.permissions) <= set(READ_ONLY):
        return f"{text!r}: Coxa's FHIR API only reads; register r and s (read, search) at most"
    return None


def _meet(want: Scope, have: Scope) -> Scope | None:
    """What of ``want`` the registered ``have`` allows, or None."""
    if have.context != "system":
        return None
    if want.resource == "*":
        resource = have.resource
    elif have.resource in {"*", want.resource}:
        resource = want.resource
    else:
        return None
    letters = "".join(p for p in PERMISSIONS if p in want.permissions and p in have.permissions)
    if not letters:
        return None
    return Scope("system", resource, letters, v1=want.v1 and letters in V1_WORDS.values())


def _tidy(scopes: Sequence[Scope]) -> tuple[Scope, ...]:
    """Each scope once, leaving out any another one kept covers."""
    kept: list[Scope] = []
    for scope in scopes:
        if any(k.covers(scope) for k in kept):
            continue
        kept = [k for k in kept if not scope.covers(k)]
        kept.append(scope)
    return tuple(kept)


def grant(requested: Iterable[Scope], registered: Iterable[Scope]) -> tuple[Scope, ...]:
    """The scopes a system is granted: each ``system/`` scope asked for, cut to its registration.

    SMART Backend Services: the scope granted is within the scope pre-authorised. A wildcard
    asked for is met by the types registered, a type by a registered wildcard, and the
    permissions are those both name. Nothing asked for beyond the registration is granted.
    """
    registered = tuple(registered)
    met = [
        scope
        for want in requested
        if want.context == "system"
        for have in registered
        if (scope := _meet(want, have)) is not None
    ]
    return _tidy(met)


def allows(granted: Iterable[Scope], resource_type: str, interaction: Interaction) -> bool:
    """Whether granted scopes let a system read or search a resource type."""
    return any(
        s.context == "system"
        and s.resource in {"*", resource_type}
        and interaction.value in s.permissions
        for s in granted
    )

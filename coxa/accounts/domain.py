"""Roles and what each may do. Pure: the one table every permission check reads."""

from enum import StrEnum


class Role(StrEnum):
    SURGEON = "surgeon"
    NURSE = "nurse"
    ANAESTHETIST = "anaesthetist"
    PHYSIOTHERAPIST = "physiotherapist"
    ADMINISTRATOR = "administrator"
    ANALYST = "analyst"
    PATIENT = "patient"

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
}


def can(role: str, capability: Capability) -> bool:
    """Tell whether a role has a capability; an unknown role has none."""
    try:
        return capability in ROLE_CAPABILITIES[Role(role)]
    except ValueError:
        return False


def is_staff_role(role: str) -> bool:
    """Staff use /staff/; patients use /portal/. An unknown role is neither."""
    return role in {r.value for r in Role} and role != Role.PATIENT

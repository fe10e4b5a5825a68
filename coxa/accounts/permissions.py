"""Who may call what: one table of every page, API operation and service Coxa answers.

Pure. Each route names its operation (``allow(Op.X)`` on API routes, ``@page(Op.X)`` on
pages); the guard reads this table before anything else runs, and refuses with 403 (and an
audit record) a role the table does not admit. Services keep their own capability checks as
a second line for `coxa` commands. ``tests/security/test_permission_table.py`` calls every
operation as every role, anonymously, and as a patient against another patient, and fails
on any difference from this table. ``coxa permissions`` prints it as a role-by-operation grid.
"""

from dataclasses import dataclass
from enum import StrEnum

from coxa.accounts.domain import Capability, Role, can


@dataclass(frozen=True, slots=True)
class Rule:
    """Who passes: anyone (``public``), anyone signed in, or a role holding any of ``any_of``.

    ``own`` marks operations a patient may call on their own records only: the selector
    behind it narrows to the patient's own rows and refuses anything else with 403.
    ``systems`` marks the few a connected system may call (the FHIR API, bulk export, CDS
    Hooks); every other row refuses a system, whatever its capabilities (ADR 0033).
    """

    any_of: frozenset[Capability] = frozenset()
    public: bool = False
    signed_in: bool = False
    # A search the selector narrows to the patient's own rows: no record of another's is
    # named in the request, so there is nothing to answer 404 for (FHIR searches).
    narrows: bool = False
    systems: bool = False

    def admits(self, role: str | None) -> bool:
        if self.public:
            return True
        if role is None:
            return False
        if role == Role.SYSTEM and not self.systems:
            return False
        if self.signed_in:
            return role in {r.value for r in Role}
        return any(can(role, c) for c in self.any_of)

    @property
    def own(self) -> bool:
        return Capability.VIEW_OWN_RECORDS in self.any_of and not self.narrows


PUBLIC = Rule(public=True)
SIGNED_IN = Rule(signed_in=True)


def needs(*capabilities: Capability, systems: bool = False) -> Rule:
    """A role holding any of the capabilities; a connected system too only with ``systems``."""
    return Rule(any_of=frozenset(capabilities), systems=systems)


CLINICAL = needs(Capability.VIEW_PATIENTS)
CLINICAL_OR_OWN = needs(Capability.VIEW_PATIENTS, Capability.VIEW_OWN_RECORDS)
OWN = needs(Capability.VIEW_OWN_RECORDS)
STAFF = needs(Capability.VIEW_PATIENTS, Capability.VIEW_PSEUDONYMISED)  # every staff role


class Op(StrEnum):
    """Every operation a caller can reach, by interface: page, api, cds and fhir."""

    # Public and any signed-in user
    PAGE_HOME = "page.home"
    PAGE_PROCEDURES = "page.procedures"  # the public pages about each operation
    PAGE_PROCEDURE = "page.procedure"
    PAGE_SIGN_IN = "page.sign-in"
    PAGE_SIGN_OUT = "page.sign-out"
    HEALTH = "health"
    METRICS = "metrics"  # public to the table; the view asks for its own token (ADR 0031)
    API_DOCS = "api.docs"
    PAGE_WELCOME = "page.welcome"
    API_TOKEN_CREATE = "api.auth.token-create"  # noqa: S105 - an operation name
    API_ME = "api.auth.me"
    API_TOKEN_REVOKE = "api.auth.token-revoke"  # noqa: S105 - an operation name
    CDS_DISCOVERY = "cds.discovery"
    # SMART Backend Services (ADR 0033): a connected system's token, and the configuration
    SMART_TOKEN = "smart.token"  # noqa: S105 - an operation name
    SMART_CONFIGURATION = "smart.configuration"
    # Staff workspace pages
    PAGE_STAFF_HOME = "page.staff-home"
    PAGE_TWO_FACTOR = "page.two-factor"
    PAGE_PATIENT_SEARCH = "page.patient-search"
    PAGE_PATIENT_CREATE = "page.patient-create"
    PAGE_PATIENT_EDIT = "page.patient-edit"
    PAGE_PATIENT_CHART = "page.patient-chart"
    PAGE_EPISODE_OPEN = "page.episode-open"
    PAGE_EPISODE_LIST = "page.episode-list"
    PAGE_EPISODE = "page.episode"
    PAGE_EPISODE_MOVE = "page.episode-move"
    PAGE_USERS = "page.users"
    PAGE_AUDIT = "page.audit"
    PAGE_CLINIC = "page.clinic"
    PAGE_CLINIC_RECORD = "page.clinic-record"
    PAGE_MEDICINE_PLAN = "page.medicine-plan"
    PAGE_OPERATION_DATE = "page.operation-date"
    PAGE_ACKNOWLEDGE = "page.acknowledge-cautions"
    PAGE_DECISION = "page.decision"
    PAGE_DECIDE = "page.decide"
    PAGE_LETTER = "page.letter"
    PAGE_PRE_ASSESSMENT_WORKLIST = "page.pre-assessment-worklist"
    PAGE_OPERATION = "page.operation"
    PAGE_SCHEDULE = "page.schedule"
    PAGE_NOTE = "page.operation-note"
    PAGE_CONFIRM = "page.confirm-override"
    PAGE_CONSENT = "page.consent"
    PAGE_CONSENT_WITHDRAW = "page.consent-withdraw"
    PAGE_DISCHARGE = "page.discharge"
    PAGE_ADJUST = "page.adjust-plan"
    PAGE_PHYSIO_REVIEW = "page.physio-review"
    PAGE_PLAN_FILES = "page.plan-files"
    PAGE_THEATRE_WORKLIST = "page.theatre-worklist"
    PAGE_FOLLOW_UP_WORKLIST = "page.follow-up-worklist"
    PAGE_ANALYTICS = "page.analytics"
    PAGE_REVIEWS = "page.follow-up-reviews"
    PAGE_REVIEW_RECORD = "page.follow-up-review-record"
    PAGE_REVIEW_STRIKE = "page.follow-up-review-strike-out"
    PAGE_COMPLICATIONS = "page.complications"
    PAGE_COMPLICATION_RECORD = "page.complication-record"
    PAGE_CONVERSION = "page.conversion"
    PAGE_DEATH = "page.death"
    # Patient portal
    PAGE_PORTAL = "page.portal"
    PAGE_PORTAL_OWN = "page.portal-own"
    PAGE_PORTAL_HIP = "page.portal-hip"  # one of the patient's own hips (issue 17)
    # API
    API_PATIENT_CREATE = "api.patient-create"
    API_PATIENT_SEARCH = "api.patient-search"
    API_PATIENT_READ = "api.patient-read"
    API_PATIENT_UPDATE = "api.patient-update"
    API_PATIENT_EPISODES = "api.patient-episodes"
    API_PATIENT_TIMELINE = "api.patient-timeline"
    API_EPISODE_CREATE = "api.episode-create"
    API_EPISODE_LIST = "api.episode-list"
    API_EPISODE_READ = "api.episode-read"
    API_TRANSITIONS_READ = "api.transitions-read"
    API_EPISODE_MOVE = "api.episode-move"
    API_DECISION_EVALUATE = "api.decision-evaluate"
    API_ENTRY_RECORD = "api.entry-record"
    API_MEDICINE_PLAN_RECORD = "api.medicine-plan-record"
    API_ENTRIES_READ = "api.entries-read"
    API_READINESS_READ = "api.readiness-read"
    API_ACKNOWLEDGE = "api.acknowledge-cautions"
    API_OPERATION_DATE = "api.operation-date"
    API_PRE_ASSESSMENT_WORKLIST = "api.pre-assessment-worklist"
    API_DECIDE = "api.decide"
    API_DECISIONS_READ = "api.decisions-read"
    API_INSTRUMENTS = "api.instruments"
    API_INSTRUMENT = "api.instrument"
    API_QUESTIONNAIRES_READ = "api.questionnaires-read"
    API_QUESTIONNAIRE_RECORD = "api.questionnaire-record"
    API_QUESTIONNAIRE_STRIKE = "api.questionnaire-response-strike-out"
    API_REVIEWS_READ = "api.follow-up-reviews-read"
    API_REVIEW_RECORD = "api.follow-up-review-record"
    API_REVIEW_STRIKE = "api.follow-up-review-strike-out"
    API_COMPLICATIONS_READ = "api.complications-read"
    API_COMPLICATION_RECORD = "api.complication-record"
    PAGE_QUESTIONNAIRES = "page.questionnaires"
    PAGE_QUESTIONNAIRE_RECORD = "page.questionnaire-record"
    PAGE_QUESTIONNAIRE_LINK_ISSUE = "page.questionnaire-link-issue"
    PAGE_QUESTIONNAIRE_STRIKE = "page.questionnaire-response-strike-out"
    PAGE_QUESTIONNAIRE_LINK = "page.questionnaire-link"  # public: the token is the key
    PAGE_PORTAL_QUESTIONNAIRES = "page.portal-questionnaires"
    PAGE_PORTAL_INVITE = "page.portal-invite"  # staff: a patient's portal access, invite them
    PAGE_PORTAL_ACCEPT = "page.portal-accept"  # public: the invitation's token is the key
    API_FOLLOW_UP_WORKLIST = "api.follow-up-worklist"
    API_SCHEDULE = "api.schedule"
    API_NOTE_READ = "api.operation-note-read"
    API_NOTE_WRITE = "api.operation-note-write"
    API_CONFIRM = "api.confirm-override"
    API_CONSENT_READ = "api.consents-read"
    API_CONSENT_RECORD = "api.consent-record"
    API_CONSENT_WITHDRAW = "api.consent-withdraw"
    API_DISCHARGE = "api.discharge"
    API_PLAN_READ = "api.recovery-plan-read"
    API_ADJUST = "api.adjust-plan"
    API_PHYSIO_RECORD = "api.physio-review-record"
    API_PHYSIO_READ = "api.physio-reviews-read"
    API_CONVERSION = "api.conversion-record"
    API_DEATH = "api.death-record"
    # Metal-on-metal surveillance (issue 15)
    PAGE_SURVEILLANCE = "page.surveillance"  # one hip's surveillance
    PAGE_SURVEILLANCE_RECORD = "page.surveillance-record"  # results, imaging, reviews, strike
    PAGE_SURVEILLANCE_ENROL = "page.surveillance-enrol"  # enrol a hip (by hand, or now)
    PAGE_SURVEILLANCE_WORKLIST = "page.surveillance-worklist"
    PAGE_SURVEILLANCE_LETTER = "page.surveillance-letter"  # the invitation, page and PDF
    # a worklist's letters printed in the background: start, its progress, its PDF (own only)
    PAGE_SURVEILLANCE_LETTERS = "page.surveillance-letters"
    PAGE_SURVEILLANCE_RECALL = "page.surveillance-recall"  # list hips by product and lot
    PAGE_SURVEILLANCE_RECALL_CONTACT = "page.surveillance-recall-contact"
    PAGE_PORTAL_SURVEILLANCE = "page.portal-surveillance"
    API_SURVEILLANCE_READ = "api.surveillance-read"
    API_METAL_IONS_RECORD = "api.metal-ions-record"
    API_SURVEILLANCE_RECORD = "api.surveillance-record"  # imaging, reviews, strike-outs
    API_SURVEILLANCE_ENROL = "api.surveillance-enrol"
    API_SURVEILLANCE_WORKLIST = "api.surveillance-worklist"
    API_SURVEILLANCE_RECALL = "api.surveillance-recall"
    API_SURVEILLANCE_RECALL_CONTACT = "api.surveillance-recall-contact"
    # Consultation requests (issue 17): the public form, and the staff's triage queue
    PAGE_CONSULTATION = "page.consultation"
    PAGE_ENQUIRIES = "page.enquiries"
    PAGE_ENQUIRY = "page.enquiry"
    PAGE_ENQUIRY_CONVERT = "page.enquiry-convert"
    # CDS Hooks
    CDS_SERVICE = "cds.service"
    # The FHIR API (coxa/interop)
    FHIR_METADATA = "fhir.metadata"
    FHIR_READ = "fhir.read"
    FHIR_SEARCH = "fhir.search"
    FHIR_EXPORT = "fhir.export"  # Bulk Data: kick-off, status, files
    FHIR_IMPORT = "fhir.import"  # a transaction or batch Bundle of patients and their records
    CDS_FEEDBACK = "cds.feedback"  # what a clinician did with a card, as the EHR reports it


C = Capability
TABLE: dict[Op, Rule] = {
    Op.PAGE_HOME: PUBLIC,
    Op.PAGE_PROCEDURES: PUBLIC,
    Op.PAGE_PROCEDURE: PUBLIC,
    Op.PAGE_SIGN_IN: PUBLIC,
    Op.PAGE_SIGN_OUT: PUBLIC,
    Op.HEALTH: PUBLIC,
    # Prometheus: no session, no role; guarded by COXA_METRICS_TOKEN, or loopback (ADR 0031).
    Op.METRICS: PUBLIC,
    Op.API_DOCS: PUBLIC,
    Op.PAGE_WELCOME: SIGNED_IN,
    Op.API_TOKEN_CREATE: PUBLIC,
    Op.API_ME: SIGNED_IN,
    Op.API_TOKEN_REVOKE: SIGNED_IN,
    Op.CDS_DISCOVERY: PUBLIC,
    # Anyone may ask; only a registered system's signed assertion gets a token (ADR 0033).
    Op.SMART_TOKEN: PUBLIC,
    Op.SMART_CONFIGURATION: PUBLIC,
    # The staff home shows counts only, so analysts land there too.
    Op.PAGE_STAFF_HOME: STAFF,
    Op.PAGE_TWO_FACTOR: STAFF,
    Op.PAGE_PATIENT_SEARCH: CLINICAL,
    Op.PAGE_PATIENT_CREATE: needs(C.EDIT_PATIENTS),
    Op.PAGE_PATIENT_EDIT: needs(C.EDIT_PATIENTS),
    Op.PAGE_PATIENT_CHART: CLINICAL,
    Op.PAGE_EPISODE_OPEN: needs(C.CREATE_EPISODES),
    Op.PAGE_EPISODE_LIST: CLINICAL,
    Op.PAGE_EPISODE: CLINICAL,
    Op.PAGE_EPISODE_MOVE: needs(C.MOVE_EPISODES, C.END_REHABILITATION),
    Op.PAGE_USERS: needs(C.MANAGE_USERS),
    Op.PAGE_AUDIT: needs(C.VIEW_AUDIT),
    Op.PAGE_CLINIC: CLINICAL,
    Op.PAGE_CLINIC_RECORD: needs(C.RECORD_ASSESSMENT),
    Op.PAGE_MEDICINE_PLAN: needs(C.DECIDE_MEDICINES),
    Op.PAGE_OPERATION_DATE: needs(C.SCHEDULE_OPERATIONS),
    Op.PAGE_ACKNOWLEDGE: needs(C.ACKNOWLEDGE_CAUTIONS),
    Op.PAGE_DECISION: CLINICAL,
    Op.PAGE_DECIDE: needs(C.RECORD_DECISIONS),
    Op.PAGE_LETTER: CLINICAL,
    Op.PAGE_PRE_ASSESSMENT_WORKLIST: CLINICAL,
    Op.PAGE_OPERATION: CLINICAL,
    Op.PAGE_SCHEDULE: needs(C.SCHEDULE_OPERATIONS),
    Op.PAGE_NOTE: needs(C.WRITE_OPERATION_NOTES),
    Op.PAGE_CONFIRM: needs(C.CONFIRM_IMPLANT_OVERRIDES),
    Op.PAGE_CONSENT: needs(C.TAKE_CONSENT),
    Op.PAGE_CONSENT_WITHDRAW: needs(C.WITHDRAW_CONSENT),
    Op.PAGE_DISCHARGE: needs(C.RECORD_DISCHARGE),
    Op.PAGE_ADJUST: needs(C.ADJUST_RECOVERY_PLANS),
    Op.PAGE_PHYSIO_REVIEW: needs(C.RECORD_PHYSIOTHERAPY),
    Op.PAGE_PLAN_FILES: CLINICAL,
    Op.PAGE_THEATRE_WORKLIST: CLINICAL,
    Op.PAGE_FOLLOW_UP_WORKLIST: CLINICAL,
    Op.PAGE_ANALYTICS: needs(C.VIEW_PSEUDONYMISED),
    Op.PAGE_REVIEWS: CLINICAL,
    Op.PAGE_REVIEW_RECORD: needs(C.RECORD_REVIEWS, C.RECORD_REVIEW_FUNCTION),
    Op.PAGE_REVIEW_STRIKE: needs(C.RECORD_REVIEWS, C.RECORD_REVIEW_FUNCTION),
    # The hip's complications register: read by clinical staff; recorded, and struck out
    # when made in error, by those who find and grade them.
    Op.PAGE_COMPLICATIONS: CLINICAL,
    Op.PAGE_COMPLICATION_RECORD: needs(C.RECORD_COMPLICATIONS),
    # How a hip's episode ends: surgeons and nurses (ADR 0013; accounts.domain).
    Op.PAGE_CONVERSION: needs(C.RECORD_END_POINTS),
    Op.PAGE_DEATH: needs(C.RECORD_END_POINTS),
    # The portal's home sends staff to their workspace; its pages are the patient's own.
    Op.PAGE_PORTAL: SIGNED_IN,
    Op.PAGE_PORTAL_OWN: OWN,
    Op.PAGE_PORTAL_HIP: OWN,
    Op.API_PATIENT_CREATE: needs(C.EDIT_PATIENTS),
    Op.API_PATIENT_SEARCH: CLINICAL,
    Op.API_PATIENT_READ: CLINICAL_OR_OWN,
    Op.API_PATIENT_UPDATE: needs(C.EDIT_PATIENTS),
    Op.API_PATIENT_EPISODES: CLINICAL_OR_OWN,
    Op.API_PATIENT_TIMELINE: CLINICAL,
    Op.API_EPISODE_CREATE: needs(C.CREATE_EPISODES),
    Op.API_EPISODE_LIST: CLINICAL,
    Op.API_EPISODE_READ: CLINICAL_OR_OWN,
    Op.API_TRANSITIONS_READ: CLINICAL,
    Op.API_EPISODE_MOVE: needs(C.MOVE_EPISODES, C.END_REHABILITATION),
    Op.API_DECISION_EVALUATE: needs(C.USE_DECISION_SUPPORT),
    Op.API_ENTRY_RECORD: needs(C.RECORD_ASSESSMENT),
    Op.API_MEDICINE_PLAN_RECORD: needs(C.DECIDE_MEDICINES),
    Op.API_ENTRIES_READ: CLINICAL,
    Op.API_READINESS_READ: CLINICAL,
    Op.API_ACKNOWLEDGE: needs(C.ACKNOWLEDGE_CAUTIONS),
    Op.API_OPERATION_DATE: needs(C.SCHEDULE_OPERATIONS),
    Op.API_PRE_ASSESSMENT_WORKLIST: CLINICAL,
    Op.API_DECIDE: needs(C.RECORD_DECISIONS),
    Op.API_DECISIONS_READ: CLINICAL,
    # The questionnaires' structure names no one: anyone signed in, patients included.
    Op.API_INSTRUMENTS: SIGNED_IN,
    Op.API_INSTRUMENT: SIGNED_IN,
    Op.API_QUESTIONNAIRES_READ: CLINICAL_OR_OWN,
    # A clinician enters what the patient answered; a patient enters their own.
    Op.API_QUESTIONNAIRE_RECORD: needs(C.RECORD_OUTCOMES, C.VIEW_OWN_RECORDS),
    # A response made in error (the wrong hip, a forwarded link) is struck out by the staff
    # who record questionnaires; never by the patient.
    Op.API_QUESTIONNAIRE_STRIKE: needs(C.RECORD_OUTCOMES),
    # Follow-up clinic reviews: clinical staff read; surgeons and nurses record them whole,
    # physiotherapists record function only (the service refuses the rest, naming the field).
    Op.API_REVIEWS_READ: CLINICAL,
    Op.API_REVIEW_RECORD: needs(C.RECORD_REVIEWS, C.RECORD_REVIEW_FUNCTION),
    Op.API_REVIEW_STRIKE: needs(C.RECORD_REVIEWS, C.RECORD_REVIEW_FUNCTION),
    # As the questionnaires: clinical staff read a hip's complications, and the patient their
    # own; only the clinicians who grade them record them.
    Op.API_COMPLICATIONS_READ: CLINICAL_OR_OWN,
    Op.API_COMPLICATION_RECORD: needs(C.RECORD_COMPLICATIONS),
    Op.PAGE_QUESTIONNAIRES: CLINICAL,
    Op.PAGE_QUESTIONNAIRE_RECORD: needs(C.RECORD_OUTCOMES),
    Op.PAGE_QUESTIONNAIRE_LINK_ISSUE: needs(C.RECORD_OUTCOMES),
    Op.PAGE_QUESTIONNAIRE_STRIKE: needs(C.RECORD_OUTCOMES),
    # A one-time link needs no account: a 256-bit random token, stored hashed, once, expiring.
    Op.PAGE_QUESTIONNAIRE_LINK: PUBLIC,
    Op.PAGE_PORTAL_QUESTIONNAIRES: OWN,
    # Portal invitations (ADR 0027): those who register patients invite them; the link needs
    # no account (a 256-bit token, stored hashed, once, expiring) and refuses anyone signed in.
    Op.PAGE_PORTAL_INVITE: needs(C.EDIT_PATIENTS),
    Op.PAGE_PORTAL_ACCEPT: PUBLIC,
    Op.API_FOLLOW_UP_WORKLIST: CLINICAL,
    Op.API_SCHEDULE: needs(C.SCHEDULE_OPERATIONS),
    Op.API_NOTE_READ: CLINICAL,
    Op.API_NOTE_WRITE: needs(C.WRITE_OPERATION_NOTES),
    Op.API_CONFIRM: needs(C.CONFIRM_IMPLANT_OVERRIDES),
    Op.API_CONSENT_READ: CLINICAL,
    Op.API_CONSENT_RECORD: needs(C.TAKE_CONSENT),
    Op.API_CONSENT_WITHDRAW: needs(C.WITHDRAW_CONSENT),
    Op.API_DISCHARGE: needs(C.RECORD_DISCHARGE),
    Op.API_PLAN_READ: CLINICAL_OR_OWN,
    Op.API_ADJUST: needs(C.ADJUST_RECOVERY_PLANS),
    Op.API_PHYSIO_RECORD: needs(C.RECORD_PHYSIOTHERAPY),
    Op.API_PHYSIO_READ: CLINICAL,
    Op.API_CONVERSION: needs(C.RECORD_END_POINTS),
    Op.API_DEATH: needs(C.RECORD_END_POINTS),
    Op.PAGE_SURVEILLANCE: CLINICAL,
    Op.PAGE_SURVEILLANCE_RECORD: needs(C.RECORD_SURVEILLANCE),
    Op.PAGE_SURVEILLANCE_ENROL: needs(C.RECORD_SURVEILLANCE),
    Op.PAGE_SURVEILLANCE_WORKLIST: CLINICAL,
    Op.PAGE_SURVEILLANCE_LETTER: CLINICAL,
    Op.PAGE_SURVEILLANCE_LETTERS: CLINICAL,  # as one letter; a run is its asker's alone
    # A recall lists patients' contact details: the team that contacts them.
    Op.PAGE_SURVEILLANCE_RECALL: needs(C.RECORD_SURVEILLANCE),
    Op.PAGE_SURVEILLANCE_RECALL_CONTACT: needs(C.RECORD_SURVEILLANCE),
    Op.PAGE_PORTAL_SURVEILLANCE: OWN,
    Op.API_SURVEILLANCE_READ: CLINICAL_OR_OWN,
    Op.API_METAL_IONS_RECORD: needs(C.RECORD_SURVEILLANCE),
    Op.API_SURVEILLANCE_RECORD: needs(C.RECORD_SURVEILLANCE),
    Op.API_SURVEILLANCE_ENROL: needs(C.RECORD_SURVEILLANCE),
    Op.API_SURVEILLANCE_WORKLIST: CLINICAL,
    Op.API_SURVEILLANCE_RECALL: needs(C.RECORD_SURVEILLANCE),
    Op.API_SURVEILLANCE_RECALL_CONTACT: needs(C.RECORD_SURVEILLANCE),
    # Clinicians with a Coxa token, and an EHR by its signed JWT (a connected system).
    Op.CDS_SERVICE: needs(C.USE_DECISION_SUPPORT, systems=True),
    # Feedback comes from the caller the cards were returned to, authenticated the same way.
    Op.CDS_FEEDBACK: needs(C.USE_DECISION_SUPPORT, systems=True),
    # FHIR: the CapabilityStatement public; records read as the JSON API reads them (a
    # patient only their own: searches narrowed), by a connected system within its scopes.
    Op.FHIR_METADATA: PUBLIC,
    Op.FHIR_READ: needs(C.VIEW_PATIENTS, C.VIEW_OWN_RECORDS, systems=True),
    Op.FHIR_SEARCH: Rule(any_of=CLINICAL_OR_OWN.any_of, narrows=True, systems=True),
    # Bulk Data: only connected systems (no person exports every record at once).
    Op.FHIR_EXPORT: needs(C.EXPORT_RECORDS, systems=True),
    Op.FHIR_IMPORT: needs(C.EDIT_PATIENTS),  # then each record its own service's capability
    # Anyone may ask for a consultation; the request is kept and marked, never dropped.
    Op.PAGE_CONSULTATION: PUBLIC,
    # The roles that register patients triage the requests; turning one into a patient and
    # a referral also needs EDIT_PATIENTS and CREATE_EPISODES (the view and service check).
    Op.PAGE_ENQUIRIES: needs(C.TRIAGE_ENQUIRIES),
    Op.PAGE_ENQUIRY: needs(C.TRIAGE_ENQUIRIES),
    Op.PAGE_ENQUIRY_CONVERT: needs(C.TRIAGE_ENQUIRIES),
}


def admits(op: Op, role: str | None) -> bool:
    """Tell whether a role (None: not signed in) may call an operation."""
    return TABLE[op].admits(role)


def grid() -> list[tuple[Op, dict[Role, bool]]]:
    """The table as role-by-operation, for `coxa permissions` and docs/security.md."""
    return [(op, {role: TABLE[op].admits(role.value) for role in Role}) for op in Op]

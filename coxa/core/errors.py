"""Errors every app raises, each with a code, a message and the field at fault.

Pure Python so that domain modules can raise them. The HTTP layer turns them into
``{"code", "message", "field"}`` with the status below; pages show them beside the field.
"""

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar


class ErrorCode(StrEnum):
    """Every code an error of Coxa's carries: what it means, and the statuses it comes with.

    The wire value is the code the API sends; ``docs/api/errors.md`` is printed from this
    (``coxa errors --markdown``). A status of 2 is a command's exit, not HTTP.
    """

    _value_: str
    meaning: str
    statuses: tuple[int, ...]

    def __new__(cls, value: str, meaning: str, *statuses: int) -> "ErrorCode":
        member = str.__new__(cls, value)
        member._value_ = value
        member.meaning = meaning
        member.statuses = statuses
        return member

    # --- a request Coxa cannot read or take
    BAD_REQUEST = "bad-request", "a body that could not be read (not JSON)", 400
    INVALID_VALUE = "invalid-value", "a value of the wrong type, form or range", 400
    UNKNOWN_FIELD = "unknown-field", "a field the document does not define", 400
    REQUIRED = "required", "a value that must be given is missing", 400
    TOO_LONG = "too-long", "text longer than the field takes", 400
    INVALID_TEXT = "invalid-text", "text that cannot be stored (NUL)", 400
    INVALID_PAGE = "invalid-page", "a page number out of range", 400
    INVALID_PAGE_SIZE = "invalid-page-size", "a page size out of range", 400
    INVALID_SUBMISSION_KEY = "invalid-submission-key", "a form's one-time key is damaged", 400
    INVALID_IDEMPOTENCY_KEY = "invalid-idempotency-key", "a malformed Idempotency-Key", 400
    TOO_LARGE = "too-large", "a request body over the size limit", 413
    METHOD_NOT_ALLOWED = "method-not-allowed", "the path does not take that method", 405
    SERVER_ERROR = "server-error", "an unexpected failure, logged; no detail is sent", 500
    UNREADABLE = "unreadable", "a file the command could not open (coxa evaluate)", 2
    INVALID_JSON = "invalid-json", "a file that is not JSON (coxa evaluate)", 2
    # --- who is asking
    NOT_AUTHENTICATED = "not-authenticated", "no signed-in session and no bearer token", 401
    INVALID_CREDENTIALS = "invalid-credentials", "username or password is wrong", 401
    OTP_REQUIRED = "otp-required", "the account needs the code from its authenticator app", 401
    OTP_NOT_SET_UP = "otp-not-set-up", "a second factor is not set up", 401
    WRONG_OTP = "wrong-otp", "the authenticator code is wrong", 400, 401
    LOCKED_OUT = "locked-out", "too many failed sign-ins", 429
    NO_TOKEN = "no-token", "no bearer token to revoke", 400
    TOKEN_NOT_LIVE = "token-not-live", "not a live token of the caller's", 400
    FORBIDDEN = "forbidden", "the caller's role may not do this", 403
    UNBOUND_OPERATION = "unbound-operation", "no row in the permission table", 403
    NOT_DEMO = "not-demo", "a published secret is only for demo accounts", 403
    NOT_FOUND = "not-found", "no such record, or none the caller may know of", 404
    # --- accounts
    UNKNOWN_ROLE = "unknown-role", "a role Coxa does not have", 400
    WEAK_PASSWORD = "weak-password", "the password fails the password rules", 400
    DUPLICATE_USERNAME = "duplicate-username", "the username is taken", 409
    OWN_ACCOUNT = "own-account", "administrators cannot demote or deactivate themselves", 400
    ALREADY_ENROLLED = "already-enrolled", "an authenticator app is already set up", 409
    NO_ENROLMENT = "no-enrolment", "no authenticator set-up to confirm", 400
    NO_DEVICE = "no-device", "no authenticator app to remove", 400
    SYSTEM_ACCOUNT = (
        "system-account",
        "a connected system's account: no password, made and changed by `coxa systems`",
        400,
        403,
    )
    # --- patients
    INVALID_NHS_NUMBER = "invalid-nhs-number", "not 10 digits, or the check digit is wrong", 400
    INVALID_HOSPITAL_NUMBER = "invalid-hospital-number", "a malformed hospital number", 400
    INVALID_EMAIL = "invalid-email", "an email address that is not valid", 400
    INVALID_PHONE = "invalid-phone", "a phone number with characters a number does not have", 400
    INVALID_POSTCODE = "invalid-postcode", "not a UK postcode", 400
    UNKNOWN_SEX = "unknown-sex", "a sex Coxa does not record", 400
    DATE_IN_FUTURE = "date-in-future", "a date later than today", 400
    DATE_IN_PAST = "date-in-past", "a date earlier than today where a future one is needed", 400
    IMPLAUSIBLE_DATE = "implausible-date", "a date too far in the past to be plausible", 400
    BEFORE_BIRTH = "before-birth", "a date before the patient was born", 400
    DUPLICATE_NHS_NUMBER = "duplicate-nhs-number", "another patient has this NHS number", 409
    DUPLICATE_HOSPITAL_NUMBER = "duplicate-hospital-number", "hospital number taken", 409
    DUPLICATE_IDENTIFIER = "duplicate-identifier", "identifier taken", 409
    POSSIBLE_DUPLICATE = "possible-duplicate", "same names and birth date", 409
    NOT_A_PATIENT_ACCOUNT = "not-a-patient-account", "not a patient account", 400
    ACCOUNT_LINKED = "account-linked", "the account is linked to another patient", 409
    HAS_PORTAL_ACCOUNT = "has-portal-account", "the patient already has a portal account", 409
    IDEMPOTENCY_KEY_REUSED = "idempotency-key-reused", "key sent with another request", 409
    # --- episodes and the pathway
    UNKNOWN_SIDE = "unknown-side", "a side other than left or right", 400
    UNKNOWN_STATE = "unknown-state", "a state the pathway does not have", 400
    UNKNOWN_PROCEDURE = "unknown-procedure", "a procedure the catalogue does not have", 400, 404
    UNKNOWN_FLAG = "unknown-flag", "a worklist flag that does not exist", 400
    UNKNOWN_SORT = "unknown-sort", "a sort order that does not exist", 400
    UNKNOWN_LIST = "unknown-list", "a worklist list that does not exist", 400
    PATIENT_DECEASED = "patient-deceased", "the patient's death is recorded", 400, 409
    OPEN_EPISODE_EXISTS = "open-episode-exists", "the hip already has an open episode", 409
    ILLEGAL_TRANSITION = "illegal-transition", "the pathway does not allow this move", 409
    NO_CHANGE = "no-change", "the request would change nothing", 400, 409
    NOT_CONVERTIBLE = "not-convertible", "the procedure has no fallback to convert to", 409
    OWN_STEP = "own-step", "a move that belongs to a step's own service", 409
    ACTOR_REQUIRED = "actor-required", "a person must make this move", 400
    REASON_REQUIRED = "reason-required", "a reason in words is required", 400
    IMPOSSIBLE_DATE = "impossible-date", "an operation date outside the window Coxa books", 400
    OPERATION_DATE_CLOSED = "operation-date-closed", "date fixed in this state", 409
    BOOKED = "booked", "the operation is booked: re-date it through the booking", 409
    # --- pre-assessment
    EPISODE_CLOSED_FOR_ASSESSMENT = "episode-closed-for-assessment", "no entries now", 409
    ENTRY_ALREADY_CORRECTED = "entry-already-corrected", "the entry was corrected already", 409
    UNKNOWN_UNIT = "unknown-unit", "a unit not accepted for this measurement", 400
    IMPLAUSIBLE_VALUE = "implausible-value", "a measurement outside what is plausible", 400
    UNKNOWN_STAGE = "unknown-stage", "a stage the staging system does not have", 400
    INCOMPLETE_STAGE = "incomplete-stage", "system or stage missing", 400
    STAGE_COLLAPSE_CONFLICT = "stage-collapse-conflict", "stage and collapse disagree", 400
    WRONG_SIDE = "wrong-side", "a study of the other hip", 400
    NOT_STOPPED = "not-stopped", "stop details for a medicine that continues", 400
    INVALID_NAME = "invalid-name", "a name with no letters", 400
    CHOOSE_CODED = "choose-coded", "a coded medicine written as free text", 400
    NOT_ANTICOAGULANT = "not-anticoagulant", "anticoagulation details for another medicine", 400
    UNKNOWN_INSTRUMENT = "unknown-instrument", "a questionnaire the catalogue does not have", 404
    INSTRUMENT_NOT_LOADED = (
        "instrument-not-loaded",
        "a licensed questionnaire whose wording the service has not loaded",
        409,
    )
    LINK_NOT_USABLE = (
        "link-not-usable",
        "a questionnaire link that is unknown, expired or already used",
        404,
    )
    INVITATION_NOT_USABLE = (
        "invitation-not-usable",
        "a portal invitation that is unknown, expired, replaced or already used",
        404,
    )
    LICENCE_FILE_MISMATCH = (
        "licence-file-mismatch",
        "a licensed wording file that does not match the questionnaire's structure",
        400,
    )
    OUTSIDE_WINDOW = (
        "outside-window",
        "a day outside the window of the follow-up point it is given for (or no such point)",
        400,
    )
    UNKNOWN_CODE = "unknown-code", "a code not in Coxa's table for that field", 400
    CLASS_MISMATCH = "class-mismatch", "a medicine class that is not its code's", 400
    NAME_MISMATCH = "name-mismatch", "a medicine name that is not its code's", 400
    UNKNOWN_MEDICINE = "unknown-medicine", "not a current medicine", 400
    NO_CAUTIONS = "no-cautions", "there are no cautions to acknowledge", 409
    # --- the readiness gate (a hip that cannot be booked or signed for that day)
    GATE_CONTRAINDICATED = "gate-contraindicated", "gate: the procedure is contraindicated", 400
    GATE_CANDIDACY_UNKNOWN = "gate-candidacy-unknown", "gate: candidacy is not known", 400
    GATE_CAUTION_UNACKNOWLEDGED = "gate-caution-unacknowledged", "gate: caution not agreed", 400
    GATE_OPTIMISE = "gate-optimise", "gate: something must be optimised first", 400
    GATE_READINESS_UNKNOWN = "gate-readiness-unknown", "gate: readiness is not known", 400
    GATE_REQUIREMENT_MISSING = "gate-requirement-missing", "gate: a requirement is missing", 400
    GATE_REQUIREMENT_EXPIRED = "gate-requirement-expired", "gate: a requirement has expired", 400
    GATE_EXPIRES_BEFORE_OPERATION = "gate-expires-before-operation", "gate: lapses by the day", 400
    # --- scheduling and the operation note
    NOT_READY = "not-ready", "only a ready (or scheduled) hip can be scheduled", 400
    TOO_FAR_AHEAD = "too-far-ahead", "an operation date more than a year ahead", 400
    NOT_A_SURGEON = "not-a-surgeon", "no active surgeon of that name", 400
    LATE_STOPS = "late-stops", "late medicine stops need a surgeon or anaesthetist", 400
    NOT_OPERABLE = "not-operable", "an operation note is for a booked hip", 409
    NOTE_SIGNED = "note-signed", "a signed operation note cannot change", 409
    NOT_SIGNED = "not-signed", "an addendum needs a signed note", 409
    NO_NOTE = "no-note", "the hip has no operation note yet", 404, 409
    DRAFT_CHANGED = "draft-changed", "the draft changed since it was shown", 409
    NO_OVERRIDE = "no-override", "no restricted implant size to override or confirm", 400, 409
    SAME_CLINICIAN = "same-clinician", "a confirmation must come from a second clinician", 409
    OVERRIDE_UNCONFIRMED = "override-unconfirmed", "restricted size unconfirmed", 400
    NO_CHOICE = "no-choice", "the procedure's phases have fixed lengths", 400
    HEAD_SIZE_RESTRICTED = "head-size-restricted", "an implant size that is restricted", 400
    SIZE_REQUIRED = "size-required", "an implant without its size", 400
    SIZE_OUT_OF_RANGE = "size-out-of-range", "an implant size outside its range", 400
    SIZE_NOT_IN_CHART = "size-not-in-chart", "a size not in the implant's sizing chart", 400
    PAIRING = "pairing", "a head and cup that do not pair", 400
    COMPONENT = "component", "a component the procedure does not use", 400
    COMPONENTS = "components", "the wrong number of components", 400
    NO_IMPLANTS = "no-implants", "implants recorded for an operation that leaves none", 400
    NOT_CORE_DECOMPRESSION = "not-core-decompression", "core decompression details", 400
    DRILL_PASSES = "drill-passes", "a number of drill passes below one", 400
    GRAFT_NOT_USED = "graft-not-used", "a graft product named for a cavity not filled", 400
    SIDE_MISMATCH = "side-mismatch", "a note for the other hip", 400
    PROCEDURE_MISMATCH = "procedure-mismatch", "another procedure", 400
    BEFORE_LISTING = "before-listing", "an operation date before the hip was listed", 400
    DATE_NOT_BOOKED = "date-not-booked", "not the booked date", 400
    SEX = "sex", "an implant not used for the patient's recorded sex", 400
    TIMES = "times", "an operation that ends before it starts", 400
    ANAESTHETIC = "anaesthetic", "an unusual anaesthetic", 400
    APPROACH = "approach", "a surgical approach other than the procedure's, with no reason", 400
    # --- consent
    NO_CONSENT = "no-consent", "no current consent for this procedure and side", 400
    MATERIAL_RISK_MISSING = "material-risk-missing", "a material risk not discussed", 400
    UNKNOWN_RISK = "unknown-risk", "a risk the procedure's catalogue does not list", 400
    UNKNOWN_ALTERNATIVE = "unknown-alternative", "an alternative the catalogue does not list", 400
    ALTERNATIVE_MISSING = "alternative-missing", "an alternative that must be discussed", 400
    INFORMATION_VERSION = "information-version", "not the patient information's version", 400
    BEFORE_EPISODE = "before-episode", "a date before the hip was referred", 400
    CONSENT_CLOSED = "consent-closed", "consent changes only before the operation", 409
    CONSENT_NOT_CURRENT = "consent-not-current", "the consent is withdrawn or superseded", 409
    OVERRIDE_NOT_CONSENTED = (
        "override-not-consented",
        "no current consent records a restricted head size discussed",
        409,
    )
    # --- VTE risk assessment and prophylaxis
    VTE_FACTORS_CONFLICT = "vte-factors-conflict", "none of these, ticked with a factor", 400
    VTE_NOT_INDICATED = "vte-not-indicated", "a regimen when prophylaxis is not indicated", 400
    REGIMEN_NOT_OFFERED = "regimen-not-offered", "a regimen not offered for the procedure", 400
    REGIMEN_SETS_DURATION = "regimen-sets-duration", "a duration the regimen already sets", 400
    NOT_CUSTOM = "not-custom", "an agent or duration given with a catalogue regimen or none", 400
    VTE_PROPHYLAXIS_CONTRADICTED = (
        "vte-prophylaxis-contradicted",
        "prophylaxis prescribed against the admission conclusion",
        400,
    )
    VTE_ADMISSION_MISSING = "vte-admission-missing", "no VTE reassessment on admission", 400
    # --- recovery
    NOT_OPERATED = "not-operated", "this needs a signed operation note first", 409
    DISCHARGED = "discharged", "the discharge is recorded already", 409
    NO_PLAN = "no-plan", "no operation date yet, so no recovery plan", 404, 409
    BEFORE_OPERATION = "before-operation", "a time before the operation", 400
    DESTINATION = "destination", "a discharge destination not in the list", 400
    CRITERIA = "criteria", "a discharge criterion not answered", 400
    LAST_PHASE = "last-phase", "there is no later phase to move on to", 400
    UNKNOWN_PHASE = "unknown-phase", "a phase the procedure does not have", 400
    PHASE_OUT_OF_RANGE = "phase-out-of-range", "a phase length outside its range", 400
    PHASE_ORDER = "phase-order", "a phase that ends before it starts", 400
    UNKNOWN_APPOINTMENT = "unknown-appointment", "an appointment the plan does not have", 400
    APPOINTMENT_BEFORE_OPERATION = "appointment-before-operation", "not after the operation", 400
    APPOINTMENT_TOO_LATE = "appointment-too-late", "an appointment moved too far", 400
    # --- follow-up clinic reviews (outcomes)
    FINDING_NOT_FOR_PROCEDURE = (
        "finding-not-for-procedure",
        "an X-ray finding the procedure's reviews do not record",
        400,
    )
    NEXT_REVIEW_NOT_AFTER = "next-review-not-after", "a next review not after the review", 400
    FOLLOWED_FOR_LIFE = "followed-for-life", "discharge of a hip followed for life", 400
    # --- complications
    UNKNOWN_COMPLICATION = "unknown-complication", "a complication type the catalogue lacks", 400
    COMPLICATION_NOT_FOR_PROCEDURE = (
        "complication-not-for-procedure",
        "a complication type that cannot follow the hip's operation",
        400,
    )
    UNKNOWN_GRADE = "unknown-grade", "not a Clavien-Dindo grade (I to V, IIIa/b, IVa/b)", 400
    AFTER_DEATH = "after-death", "a date after the patient's recorded death", 400
    AFTER_CONVERSION = "after-conversion", "a date after the hip's conversion or revision", 400
    DEATH_NOT_RECORDED = "death-not-recorded", "grade V (death) before the death is recorded", 400
    STRUCK_OUT = "struck-out", "the entry is struck out already", 409
    # --- outcomes: how a hip's episode ends (conversion or revision, death)
    UNKNOWN_REASON = "unknown-reason", "a reason not in the catalogue's coded list", 400
    CONVERSION_PROCEDURE = "conversion-procedure", "not a procedure this hip may become", 400
    EPISODE_ENDED = (
        "episode-ended",
        "the episode has ended (discharged, converted, died, withdrawn)",
        409,
    )
    DEATH_RECORDED = "death-recorded", "the patient's death is recorded already", 409
    DEATH_BEFORE_EVENT = "death-before-event", "a death before an operation or conversion", 400
    # --- metal-on-metal surveillance (issue 15)
    NOT_ENROLLED = "not-enrolled", "the hip is not under metal-on-metal surveillance", 409
    ENROLLED_ALREADY = "enrolled-already", "the hip is under surveillance already", 409
    SURVEILLANCE_ENDED = "surveillance-ended", "surveillance ended (revision or death)", 409
    # --- analytics
    UNKNOWN_EXTRACT = "unknown-extract", "an extract that does not exist", 400
    BAD_EXTRACT = "bad-extract", "an extract that cannot be read", 400


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input: a machine code, a sentence, and the field."""

    code: ErrorCode
    message: str
    field: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {"code": self.code.value, "message": self.message, "field": self.field}


class CoxaError(Exception):
    """Base of every expected error; ``status`` is the HTTP status it maps to."""

    status: ClassVar[int] = 400

    def __init__(self, code: ErrorCode, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.problems: tuple[Problem, ...] = (Problem(code, message, field),)

    @classmethod
    def of(cls, problems: Sequence[Problem]) -> "CoxaError":
        """Build one error that carries several problems; the first one leads."""
        if not problems:
            raise ValueError("an error needs at least one problem")
        first = problems[0]
        error = cls(first.code, first.message, first.field)
        error.problems = tuple(problems)
        return error

    @property
    def code(self) -> ErrorCode:
        return self.problems[0].code

    @property
    def message(self) -> str:
        return self.problems[0].message

    @property
    def field(self) -> str | None:
        return self.problems[0].field


class InvalidInput(CoxaError):
    """The request is malformed or a value is out of range or implausible."""

    status = 400


class NotAuthenticated(CoxaError):
    status = 401


class Forbidden(CoxaError):
    """The actor is known but their role or relationship does not allow this."""

    status = 403


class NotFound(CoxaError):
    """No such record, or none the caller may learn of (``Hidden``)."""

    status = 404


class Hidden(NotFound):
    """A record the caller may not learn exists (a patient asking for another's record).

    Answered exactly as a record that does not exist (404, the same code and message), so
    the answer tells nothing; audited as a refused attempt, as a 403 would be.
    """


class Conflict(CoxaError):
    """The request is well formed but clashes with what is recorded (duplicate, state)."""

    status = 409


def validation_problems(
    errors: Iterable[Mapping[str, Any]], *, whole: str = "request", skip: Collection[str] = ()
) -> list[Problem]:
    """Pydantic's validation errors (as ninja and pydantic report them) as Coxa's problems.

    One code for a value that fails validation wherever it is checked (``invalid-value``),
    ``required`` for a value not given, ``unknown-field`` for a field no schema defines.
    ``skip`` drops parts of the location that name no field (ninja's ``body``, ``query``);
    ``whole`` names the input when the location is empty.
    """
    problems = []
    for error in errors:
        names = [str(part) for part in error.get("loc", ()) if part not in skip]
        field = ".".join(names) or None
        kind = error.get("type")
        code = (
            ErrorCode.UNKNOWN_FIELD
            if kind == "extra_forbidden"
            else ErrorCode.REQUIRED  # the code a domain check gives a value not given
            if kind == "missing"
            else ErrorCode.INVALID_VALUE
        )
        problems.append(Problem(code, f"{field or whole}: {error.get('msg', 'invalid')}", field))
    return problems


def _statuses(code: ErrorCode) -> str:
    return ", ".join(f"exit {s}" if s < 100 else str(s) for s in code.statuses)  # noqa: PLR2004


def errors_table() -> str:
    """Every error code as a Markdown table: code, status(es), meaning (docs/api/errors.md)."""
    rows = ["| Code | Status | Meaning |", "|---|---|---|"]
    rows += [f"| `{c.value}` | {_statuses(c)} | {c.meaning} |" for c in ErrorCode]
    return "\n".join(rows)

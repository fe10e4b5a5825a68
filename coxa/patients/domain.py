"""Patient identity rules. Pure: no Django, no I/O; ``today`` is always passed in."""

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from coxa.core.errors import ErrorCode, Problem
from coxa.core.text import ADDRESS_MAX, NAME_MAX, text_problem

# Oldest plausible date of birth: nobody alive was born before this.
EARLIEST_BIRTH = dt.date(1900, 1, 1)
HOSPITAL_NUMBER_MAX = 20
EMAIL_MAX = 254
PHONE_MAX = 20
POSTCODE_MAX = 10
# The longest each text field may be as typed (the model's columns, and the address's limit).
_TEXT_MAX = {
    "given_name": NAME_MAX,
    "family_name": NAME_MAX,
    "sex": 16,
    "nhs_number": 20,
    "hospital_number": HOSPITAL_NUMBER_MAX,
    "email": EMAIL_MAX,
    "phone": PHONE_MAX,
    "address": ADDRESS_MAX,
    "postcode": POSTCODE_MAX,
}
_HOSPITAL_NUMBER = re.compile(r"^[A-Za-z0-9-]{1,20}$")
_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$")
_PHONE = re.compile(r"^\+?[0-9 ()-]{7,20}$")

# An email address on its own, as the mailer will deliver it: one @, a dot in the domain, no
# empty part. None of the characters that make it a name with an address ("Dora
# <dora@example.org>", "(Dora) dora@example.org") or a list ("a, b"): the mailer would deliver
# those to an address the check never saw, or refuse them (ADR 0026; the consultation request
# reads the same pattern).
_NOT_IN_ADDRESS = r'\x00-\x20\x7f\s<>()\[\]\\,;:"@'
_EMAIL = re.compile(rf"[^{_NOT_IN_ADDRESS}]+@(?:[^{_NOT_IN_ADDRESS}.]+\.)+[^{_NOT_IN_ADDRESS}.]+")
BARE_EMAIL_WORDS = "no name, brackets, commas or spaces"


def is_email_address(text: str) -> bool:
    """True for an email address on its own (``name@example.org``), nothing around it."""
    return _EMAIL.fullmatch(text) is not None


class Sex(StrEnum):
    """Sex as recorded, in FHIR R4 AdministrativeGender codes (valueset-administrative-gender)."""

    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


# --------------------------------------------------------------------------- NHS number
# NHS Data Dictionary, "NHS Number": ten digits, the tenth a modulus-11 check digit.
# Weights 10..2 on the first nine digits; check = 11 - (sum mod 11); 11 means 0; 10 is
# never issued, so a number whose check would be 10 is invalid.
_NHS_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)


def nhs_check_digit(first_nine: str) -> int | None:
    """Return the check digit for nine digits, or None when no valid number exists."""
    total = sum(int(d) * w for d, w in zip(first_nine, _NHS_WEIGHTS, strict=True))
    check = 11 - total % 11
    if check == 11:  # noqa: PLR2004 - the algorithm's own constant
        return 0
    if check == 10:  # noqa: PLR2004
        return None
    return check


def normalise_nhs_number(raw: str) -> str:
    """Drop the spaces and hyphens people type between the 3-3-4 groups."""
    return re.sub(r"[\s-]", "", raw)


def nhs_number_problem(raw: str) -> Problem | None:
    """Say what is wrong with an NHS number, or None if it is valid."""
    number = normalise_nhs_number(raw)
    if not re.fullmatch(r"\d{10}", number):
        return Problem(ErrorCode.INVALID_NHS_NUMBER, "NHS number must be 10 digits", "nhs_number")
    if nhs_check_digit(number[:9]) != int(number[9]):
        return Problem(
            ErrorCode.INVALID_NHS_NUMBER,
            "NHS number fails its check digit: check it has been typed correctly",
            "nhs_number",
        )
    return None


def format_nhs_number(number: str) -> str:
    """Show an NHS number in its usual 3-3-4 grouping."""
    return f"{number[:3]} {number[3:6]} {number[6:]}" if len(number) == 10 else number  # noqa: PLR2004


# --------------------------------------------------------------------------- names
def name_key(name: str) -> str:
    """Fold a name for searching: accents dropped, lower case, letters and digits only.

    "O'Brien", "o brien" and "Ó Brien" all become "obrien", so prefix search finds them.
    """
    decomposed = unicodedata.normalize("NFKD", name)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]", "", stripped.casefold())


# --------------------------------------------------------------------------- a patient
@dataclass(frozen=True, slots=True)
class PatientDetails:
    """A patient's details as entered, before they are checked."""

    given_name: str
    family_name: str
    date_of_birth: dt.date | None
    sex: str
    nhs_number: str = ""
    hospital_number: str = ""
    email: str = ""
    phone: str = ""
    address: str = ""
    postcode: str = ""
    date_of_death: dt.date | None = None


def _name_problems(field: str, label: str, value: str) -> list[Problem]:
    if not value.strip():
        return [Problem(ErrorCode.REQUIRED, f"{label} is required", field)]
    if len(value.strip()) > NAME_MAX:
        return [
            Problem(ErrorCode.TOO_LONG, f"{label} must be at most {NAME_MAX} characters", field)
        ]
    return []


def _date_problems(details: PatientDetails, today: dt.date) -> list[Problem]:
    problems: list[Problem] = []
    born = details.date_of_birth
    if born is None:
        problems.append(Problem(ErrorCode.REQUIRED, "date of birth is required", "date_of_birth"))
    elif born > today:
        problems.append(
            Problem(
                ErrorCode.DATE_IN_FUTURE, "date of birth cannot be in the future", "date_of_birth"
            )
        )
    elif born < EARLIEST_BIRTH:
        problems.append(
            Problem(
                ErrorCode.IMPLAUSIBLE_DATE,
                f"date of birth before {EARLIEST_BIRTH:%d %B %Y} is not plausible",
                "date_of_birth",
            )
        )
    died = details.date_of_death
    if died is not None:
        if died > today:
            problems.append(
                Problem(
                    ErrorCode.DATE_IN_FUTURE,
                    "date of death cannot be in the future",
                    "date_of_death",
                )
            )
        elif born is not None and died < born:
            problems.append(
                Problem(
                    ErrorCode.BEFORE_BIRTH, "date of death is before date of birth", "date_of_death"
                )
            )
    return problems


def _contact_problems(details: PatientDetails) -> list[Problem]:
    problems: list[Problem] = []
    if details.email and not is_email_address(details.email):
        problems.append(
            Problem(
                ErrorCode.INVALID_EMAIL,
                "enter the email address on its own, in the form name@example.org "
                f"({BARE_EMAIL_WORDS})",
                "email",
            )
        )
    if details.phone and not _PHONE.match(details.phone):
        problems.append(
            Problem(
                ErrorCode.INVALID_PHONE, "phone number may hold digits, spaces and + ( ) -", "phone"
            )
        )
    if details.postcode and not _POSTCODE.match(details.postcode.upper().strip()):
        problems.append(
            Problem(
                ErrorCode.INVALID_POSTCODE,
                "postcode is not a UK postcode (e.g. B15 2TH)",
                "postcode",
            )
        )
    return problems


def _text_problems(details: PatientDetails) -> list[Problem]:
    """Text too long for its field, or holding what cannot be stored (NUL, lone surrogate)."""
    found = (
        text_problem(getattr(details, field), field=field, max_length=longest)
        for field, longest in _TEXT_MAX.items()
    )
    return [problem for problem in found if problem is not None]


def patient_problems(details: PatientDetails, *, today: dt.date) -> list[Problem]:
    """Every problem with a patient's details, in field order; empty when all is well."""
    unstorable = _text_problems(details)
    if unstorable:  # the other checks read the text: judge them once it can be kept
        return unstorable
    problems = _name_problems("given_name", "given name", details.given_name)
    problems += _name_problems("family_name", "family name", details.family_name)
    problems += _date_problems(details, today)
    if details.sex not in {s.value for s in Sex}:
        allowed = ", ".join(s.value for s in Sex)
        problems.append(Problem(ErrorCode.UNKNOWN_SEX, f"sex must be one of: {allowed}", "sex"))
    if details.nhs_number:
        nhs = nhs_number_problem(details.nhs_number)
        if nhs is not None:
            problems.append(nhs)
    if details.hospital_number and not _HOSPITAL_NUMBER.match(details.hospital_number.strip()):
        problems.append(
            Problem(
                ErrorCode.INVALID_HOSPITAL_NUMBER,
                f"hospital number is 1 to {HOSPITAL_NUMBER_MAX} letters, digits or hyphens",
                "hospital_number",
            )
        )
    problems += _contact_problems(details)
    return problems


def age_on(born: dt.date, day: dt.date) -> int:
    """Age in completed years on a day."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


# --------------------------------------------------------------------------- search
class QueryKind(StrEnum):
    NHS_NUMBER = "nhs-number"
    DATE_OF_BIRTH = "date-of-birth"
    NAME_OR_NUMBER = "name-or-number"
    EMPTY = "empty"


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """What a search box query means: one identifier, a date, or name prefixes."""

    kind: QueryKind
    nhs_number: str = ""
    date_of_birth: dt.date | None = None
    hospital_number: str = ""
    name_keys: tuple[str, ...] = ()


_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")


def _parse_date(text: str) -> dt.date | None:
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a date, no time
        except ValueError:
            continue
    return None


def parse_search(raw: str) -> SearchQuery:
    """Read a search box: a 10-digit NHS number, a date of birth, or a name / hospital number.

    Names match by prefix on each word: "smi jo" finds John Smith and Joan Smithers.
    """
    text = raw.strip()
    if not text:
        return SearchQuery(QueryKind.EMPTY)
    digits = normalise_nhs_number(text)
    if re.fullmatch(r"\d{10}", digits):
        return SearchQuery(QueryKind.NHS_NUMBER, nhs_number=digits)
    born = _parse_date(text)
    if born is not None:
        return SearchQuery(QueryKind.DATE_OF_BIRTH, date_of_birth=born)
    words = [name_key(w) for w in re.split(r"[\s,]+", text)]
    keys = tuple(k for k in words if k)[:3]
    return SearchQuery(
        QueryKind.NAME_OR_NUMBER,
        hospital_number=text.upper() if _HOSPITAL_NUMBER.match(text) else "",
        name_keys=keys,
    )

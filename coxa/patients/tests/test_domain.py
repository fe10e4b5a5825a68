import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coxa.patients.domain import (
    EARLIEST_BIRTH,
    PatientDetails,
    QueryKind,
    age_on,
    format_nhs_number,
    name_key,
    nhs_check_digit,
    nhs_number_problem,
    parse_search,
    patient_problems,
)

TODAY = dt.date(2026, 11, 22)


def fields(problems):
    return [p.field for p in problems]


def details(**overrides):
    base = {
        "given_name": "Bert",
        "family_name": "Okafor",
        "date_of_birth": dt.date(1971, 3, 14),
        "sex": "male",
    }
    return PatientDetails(**(base | overrides))


# ---------------------------------------------------------------- NHS number
@pytest.mark.parametrize("number", ["9434765919", "943 476 5919", "943-476-5919", "4010232137"])
def test_valid_nhs_numbers_pass(number):
    assert nhs_number_problem(number) is None


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("9434765918", "check digit"),
        ("943476591", "10 digits"),
        ("94347659190", "10 digits"),
        ("94347659A9", "10 digits"),
        ("", "10 digits"),
    ],
)
def test_invalid_nhs_numbers_say_why(number, reason):
    problem = nhs_number_problem(number)
    assert problem is not None
    assert problem.field == "nhs_number"
    assert reason in problem.message


def test_check_digit_of_eleven_is_zero():
    # 9*10+9*9+9*8+0+0+0+0+0+1*2 = 245; 245 mod 11 = 3 → 8. Find a case giving 11 → 0.
    first_nine = next(
        f"{n:09d}"
        for n in range(10**8, 10**8 + 5000)
        if sum(int(d) * w for d, w in zip(f"{n:09d}", range(10, 1, -1), strict=True)) % 11 == 0
    )
    assert nhs_check_digit(first_nine) == 0
    assert nhs_number_problem(first_nine + "0") is None


def test_numbers_whose_check_would_be_ten_are_never_valid():
    first_nine = next(
        f"{n:09d}"
        for n in range(10**8, 10**8 + 5000)
        if sum(int(d) * w for d, w in zip(f"{n:09d}", range(10, 1, -1), strict=True)) % 11 == 1
    )
    assert nhs_check_digit(first_nine) is None
    assert all(nhs_number_problem(first_nine + str(d)) is not None for d in range(10))


@given(st.text(alphabet="0123456789", min_size=9, max_size=9), st.integers(0, 8), st.integers(1, 9))
def test_changing_any_one_digit_is_caught(first_nine, position, shift):
    check = nhs_check_digit(first_nine)
    if check is None:
        return
    number = first_nine + str(check)
    changed = number[:position] + str((int(number[position]) + shift) % 10) + number[position + 1 :]
    assert nhs_number_problem(number) is None
    assert nhs_number_problem(changed) is not None


def test_nhs_number_is_shown_in_three_three_four_groups():
    assert format_nhs_number("9434765919") == "943 476 5919"


# ---------------------------------------------------------------- a patient's details
def test_good_details_have_no_problems():
    assert patient_problems(details(nhs_number="9434765919"), today=TODAY) == []


def test_date_of_birth_today_is_accepted_but_tomorrow_is_not():
    assert patient_problems(details(date_of_birth=TODAY), today=TODAY) == []
    problems = patient_problems(details(date_of_birth=TODAY + dt.timedelta(days=1)), today=TODAY)
    assert fields(problems) == ["date_of_birth"]
    assert problems[0].code == "date-in-future"


def test_implausibly_old_dates_of_birth_are_refused():
    assert patient_problems(details(date_of_birth=EARLIEST_BIRTH), today=TODAY) == []
    too_old = EARLIEST_BIRTH - dt.timedelta(days=1)
    assert fields(patient_problems(details(date_of_birth=too_old), today=TODAY)) == [
        "date_of_birth"
    ]


def test_missing_required_fields_are_all_reported_at_once():
    problems = patient_problems(
        details(given_name=" ", family_name="", date_of_birth=None, sex=""), today=TODAY
    )
    assert fields(problems) == ["given_name", "family_name", "date_of_birth", "sex"]


def test_date_of_death_cannot_precede_birth_or_be_in_the_future():
    before = details(date_of_death=dt.date(1970, 1, 1))
    assert [p.code for p in patient_problems(before, today=TODAY)] == ["before-birth"]
    future = details(date_of_death=TODAY + dt.timedelta(days=1))
    assert [p.code for p in patient_problems(future, today=TODAY)] == ["date-in-future"]
    assert patient_problems(details(date_of_death=TODAY), today=TODAY) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "not-an-email"),
        ("phone", "call me"),
        ("postcode", "12345"),
        ("hospital_number", "H 12/3"),
        ("given_name", "x" * 101),
        ("sex", "m"),
    ],
)
def test_malformed_fields_are_named(field, value):
    assert fields(patient_problems(details(**{field: value}), today=TODAY)) == [field]


@pytest.mark.parametrize("postcode", ["B15 2TH", "b152th", "SW1A 1AA", "M1 1AE"])
def test_uk_postcodes_are_accepted(postcode):
    assert patient_problems(details(postcode=postcode), today=TODAY) == []


def test_age_counts_completed_years():
    born = dt.date(1980, 6, 15)
    assert age_on(born, dt.date(2026, 6, 14)) == 45
    assert age_on(born, dt.date(2026, 6, 15)) == 46


# ---------------------------------------------------------------- search
@pytest.mark.parametrize(
    ("name", "key"),
    [("O'Brien", "obrien"), ("Ó Briain", "obriain"), ("Lovelace-Byron", "lovelacebyron")],
)
def test_names_fold_for_searching(name, key):
    assert name_key(name) == key


def test_ten_digits_search_the_nhs_number():
    query = parse_search(" 943 476 5919 ")
    assert query.kind is QueryKind.NHS_NUMBER
    assert query.nhs_number == "9434765919"


@pytest.mark.parametrize("text", ["1971-03-14", "14/03/1971", "14-03-1971", "14.03.1971"])
def test_dates_search_the_date_of_birth(text):
    query = parse_search(text)
    assert query.kind is QueryKind.DATE_OF_BIRTH
    assert query.date_of_birth == dt.date(1971, 3, 14)


def test_words_search_names_and_hospital_number():
    query = parse_search("Smi, Jo")
    assert query.kind is QueryKind.NAME_OR_NUMBER
    assert query.name_keys == ("smi", "jo")
    assert parse_search("h100200").hospital_number == "H100200"


def test_empty_search_matches_nothing():
    assert parse_search("   ").kind is QueryKind.EMPTY

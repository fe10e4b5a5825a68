"""SMART scopes (pure): what a connected system asks for, is granted, and may then read."""

import pytest

from coxa.accounts.domain import (
    ROLE_CAPABILITIES,
    Capability,
    Interaction,
    Role,
    Scope,
    allows,
    can,
    grant,
    is_staff_role,
    parse_scope,
    registration_problem,
    scope_text,
    scopes_of,
)


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("system/Observation.rs", Scope("system", "Observation", "rs")),
        ("system/*.read", Scope("system", "*", "rs", v1=True)),
        ("system/Patient.write", Scope("system", "Patient", "cud", v1=True)),
        ("system/Patient.*", Scope("system", "Patient", "cruds", v1=True)),
        ("patient/Observation.r", Scope("patient", "Observation", "r")),
        ("system/Observation.cruds", Scope("system", "Observation", "cruds")),
    ],
)
def test_v1_and_v2_scopes_parse(text, parsed):
    assert parse_scope(text) == parsed
    assert str(parsed) == text


@pytest.mark.parametrize(
    "text",
    [
        "system/Observation.dus",  # out of order (SMART: not a scope, never read as .rd)
        "system/Observation.rr",
        "system/Observation.",
        "system/observation.rs",  # a resource type starts with a capital
        "openid",
        "launch/patient",
        "system/Observation.rs?category=laboratory",  # granular: not granted by Coxa
        "admin/Patient.rs",
        "system/Patient.rsx",
    ],
)
def test_anything_else_is_not_a_scope(text):
    assert parse_scope(text) is None


def test_a_grant_is_cut_to_the_registration_never_widened():
    registered = scopes_of("system/Patient.rs system/Observation.r")
    # A wildcard asked for is met by the types registered, in the syntax asked.
    assert scope_text(grant(scopes_of("system/*.read"), registered)) == (
        "system/Patient.read system/Observation.r"
    )
    # A type not registered is not granted; a permission not registered is dropped.
    assert grant(scopes_of("system/Condition.rs"), registered) == ()
    assert scope_text(grant(scopes_of("system/Observation.rs"), registered)) == (
        "system/Observation.r"
    )
    # Writes are never granted to a registration for reads.
    assert grant(scopes_of("system/Patient.write system/Patient.cud"), registered) == ()


def test_a_registered_wildcard_meets_each_type_asked_for_and_repeats_go():
    registered = scopes_of("system/*.rs")
    asked = scopes_of("system/Patient.rs system/Patient.read system/Observation.s patient/*.rs")
    assert scope_text(grant(asked, registered)) == "system/Patient.rs system/Observation.s"
    assert scope_text(grant(scopes_of("system/*.*"), registered)) == "system/*.read"


def test_only_system_scopes_are_granted():
    assert grant(scopes_of("patient/*.rs user/*.rs"), scopes_of("system/*.rs")) == ()
    assert grant(scopes_of("system/*.rs"), scopes_of("patient/*.rs")) == ()


def test_allows_reads_and_searches_only_what_was_granted():
    granted = scopes_of("system/Patient.r system/Observation.rs")
    assert allows(granted, "Patient", Interaction.READ)
    assert not allows(granted, "Patient", Interaction.SEARCH)
    assert allows(granted, "Observation", Interaction.SEARCH)
    assert not allows(granted, "Condition", Interaction.READ)
    assert allows(scopes_of("system/*.read"), "Condition", Interaction.SEARCH)
    assert not allows(scopes_of("patient/*.rs"), "Patient", Interaction.READ)
    assert not allows((), "Patient", Interaction.READ)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("system/*.rs", None),
        ("system/Observation.read", None),
        ("system/Patient.s", None),
        ("system/Patient.write", "only reads"),
        ("system/Patient.crs", "only reads"),
        ("patient/*.rs", "system/ scopes only"),
        ("everything", "not a SMART scope"),
    ],
)
def test_a_system_is_registered_for_system_reads_only(text, said):
    problem = registration_problem(text)
    assert (problem is None) if said is None else (said in (problem or ""))


def test_a_connected_system_reads_exports_and_asks_for_decision_support_and_is_not_staff():
    assert ROLE_CAPABILITIES[Role.SYSTEM] == {
        Capability.VIEW_PATIENTS,
        Capability.EXPORT_RECORDS,
        Capability.USE_DECISION_SUPPORT,
    }
    assert not is_staff_role(Role.SYSTEM)
    assert not any(can(r, Capability.EXPORT_RECORDS) for r in Role if r is not Role.SYSTEM)
    assert Role.SYSTEM.label == "Connected system"
    assert Role.SYSTEM.value != "system"  # the audit log's word for Coxa itself

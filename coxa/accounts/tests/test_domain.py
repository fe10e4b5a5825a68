from coxa.accounts.domain import ROLE_CAPABILITIES, Capability, Role, can, is_staff_role


def test_every_role_has_a_row_in_the_table():
    assert set(ROLE_CAPABILITIES) == set(Role)


def test_only_administrators_manage_users_and_read_the_audit():
    for role in Role:
        assert can(role, Capability.MANAGE_USERS) is (role is Role.ADMINISTRATOR)
        assert can(role, Capability.VIEW_AUDIT) is (role is Role.ADMINISTRATOR)


def test_analysts_never_see_identifiable_records():
    assert not can(Role.ANALYST, Capability.VIEW_PATIENTS)
    assert can(Role.ANALYST, Capability.VIEW_PSEUDONYMISED)


def test_patients_see_only_their_own():
    assert ROLE_CAPABILITIES[Role.PATIENT] == {Capability.VIEW_OWN_RECORDS}
    assert not is_staff_role(Role.PATIENT)


def test_an_unknown_role_can_do_nothing():
    assert not any(can("janitor", capability) for capability in Capability)
    assert not is_staff_role("janitor")

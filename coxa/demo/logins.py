"""The demo's accounts: one per role, each marked as a demo account.

Demo accounts are refused unless COXA_DEBUG is on. Roles that need a second factor (the
administrator) get a device with a published secret, printed with the logins.
"""

from coxa.accounts import services as accounts
from coxa.accounts.domain import Role
from coxa.accounts.models import User
from coxa.accounts.services import otp
from coxa.core.audit import Via

# One demo account per role, named after it (the API contract in issue 2).
DEMO_USERS: dict[str, tuple[Role, str, str]] = {
    "surgeon": (Role.SURGEON, "Sam", "Surgeon"),
    "nurse": (Role.NURSE, "Nia", "Nurse"),
    "anaesthetist": (Role.ANAESTHETIST, "Ada", "Anaesthetist"),
    "physio": (Role.PHYSIOTHERAPIST, "Phil", "Physio"),
    "admin": (Role.ADMINISTRATOR, "Alex", "Admin"),
    "analyst": (Role.ANALYST, "Ana", "Analyst"),
    "patient": (Role.PATIENT, "", ""),
}
# The demo's second-factor secret (hex), printed with the logins: public, like the password.
DEMO_TOTP_KEY = "436f78612064656d6f2d6f6e6c7920736563726574"  # "Coxa demo-only secret"


def ensure_users(password: str) -> tuple[dict[Role, User], int]:
    """Create the demo accounts that are missing; set every demo password and mark each."""
    by_role: dict[Role, User] = {}
    created = 0
    for username, (role, first, last) in DEMO_USERS.items():
        user = User.objects.filter(username=username).first()
        if user is None:
            user = accounts.create_user(
                username=username,
                role=role.value,
                password=password,
                by=None,
                via=Via.CLI,
                first_name=first,
                last_name=last,
                check_password_strength=False,
                is_demo=True,
            )
            created += 1
        else:
            user.set_password(password)
            user.is_demo = True
            user.save(update_fields=["password", "is_demo"])
        if otp.required_for(user):
            otp.ensure_demo_device(user=user, key=DEMO_TOTP_KEY)
        by_role[role] = user
    return by_role, created


def second_factor_lines(users: dict[Role, User]) -> list[str]:
    """What to print beside the logins for demo accounts whose role needs a code."""
    lines = []
    for user in users.values():
        device = otp.confirmed_device(user)
        if device is None:
            continue
        lines += [
            f"{user.username} also needs a code from an authenticator app: add the secret "
            f"{otp.secret_of(device)} to one (or {otp.uri_of(device)}),",
            f"  or print the current code with `coxa otp_code {user.username}` (COXA_DEBUG on).",
        ]
    return lines

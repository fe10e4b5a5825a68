"""The second factor: a TOTP device (an authenticator app) per staff member, via django-otp.

Roles in ``settings.OTP_REQUIRED_ROLES`` must have one before any staff page works; other
staff may add one. A confirmed device means every sign-in asks for its current code. Codes
are checked against confirmed devices only, each code once (django-otp refuses a code whose
time step is not later than the last one accepted, and slows down repeated wrong codes).
"""

from base64 import b32encode

import segno
from django.conf import settings
from django.db import transaction
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from coxa.accounts.domain import is_staff_role
from coxa.accounts.models import User
from coxa.accounts.services import tokens
from coxa.core import audit
from coxa.core.errors import Conflict, ErrorCode, Forbidden, InvalidInput

DEVICE_NAME = "Authenticator app"
WRONG_CODE = "the code is wrong or has expired: enter the 6 digits your app shows now"


def required_for(user: User) -> bool:
    """Whether the user's role must have a second factor (COXA_OTP_REQUIRED_ROLES)."""
    return user.role in settings.OTP_REQUIRED_ROLES


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def pending_device(user: User) -> TOTPDevice | None:
    """A device being set up: shown with its secret until a code confirms it."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def needs_code(user: User) -> bool:
    """Whether signing in takes a code: the role requires one or the user has a device."""
    return required_for(user) or confirmed_device(user) is not None


def _digits(code: str) -> str:
    return "".join(code.split())


def check_code(user: User, code: str) -> TOTPDevice | None:
    """The confirmed device that accepts the code (and will not accept it again), or None."""
    code = _digits(code)
    if not code.isdigit():
        return None
    with transaction.atomic():
        for device in TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True):
            if device.verify_token(code):
                return device
    return None


def _require_staff(user: User) -> None:
    if not is_staff_role(user.role):
        raise Forbidden(ErrorCode.FORBIDDEN, "a second factor is for staff accounts")


@audit.atomic()
def start_enrolment(*, user: User) -> TOTPDevice:
    """Make a new, unconfirmed device with a fresh secret (replacing one not yet confirmed)."""
    _require_staff(user)
    if confirmed_device(user) is not None:
        raise Conflict(
            ErrorCode.ALREADY_ENROLLED, "remove your authenticator app before adding another"
        )
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


@audit.atomic()
def confirm_enrolment(*, user: User, code: str, via: audit.Via = audit.Via.WEB) -> TOTPDevice:
    """Confirm the device being set up with a code from it; revoke tokens issued without it."""
    _require_staff(user)
    device = pending_device(user)
    if device is None:
        raise InvalidInput(
            ErrorCode.NO_ENROLMENT, "start setting up an authenticator app first", "code"
        )
    if not _digits(code).isdigit() or not device.verify_token(_digits(code)):
        raise InvalidInput(ErrorCode.WRONG_OTP, WRONG_CODE, "code")
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit.record(
        actor=user,
        action="otp.enrol",
        object_type="user",
        object_id=str(user.pk),
        summary=f"{user.username} set up an authenticator app (second factor)",
        via=via,
    )
    tokens.revoke_all(
        user=user, by=user, reason="issued before the second factor was set up", via=via
    )
    return device


@audit.atomic()
def remove_device(
    *, user: User, by: User | None, code: str | None, via: audit.Via = audit.Via.WEB
) -> None:
    """Remove a user's second factor: by themselves with a current code, or from `coxa`."""
    device = confirmed_device(user)
    if device is None:
        raise InvalidInput(ErrorCode.NO_DEVICE, "there is no authenticator app to remove", "code")
    if via != audit.Via.CLI and (code is None or check_code(user, code) is None):
        raise InvalidInput(ErrorCode.WRONG_OTP, WRONG_CODE, "code")
    TOTPDevice.objects.filter(user=user).delete()
    audit.record(
        actor=by,
        action="otp.remove",
        object_type="user",
        object_id=str(user.pk),
        summary=f"Authenticator app (second factor) removed from {user.username}",
        via=via,
    )


@audit.atomic()
def ensure_demo_device(*, user: User, key: str) -> TOTPDevice:
    """Give a demo account a confirmed device with a published secret (``key``, hex)."""
    if not user.is_demo:
        raise Forbidden(ErrorCode.NOT_DEMO, "a published secret is only for demo accounts")
    device = TOTPDevice.objects.filter(user=user, key=key, confirmed=True).first()
    if device is None:
        TOTPDevice.objects.filter(user=user).delete()
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, key=key, confirmed=True)
    return device


def secret_of(device: TOTPDevice) -> str:
    """The secret as an authenticator app takes it by hand (base32)."""
    return b32encode(device.bin_key).decode("ascii")


def uri_of(device: TOTPDevice) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return str(device.config_url)


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URI as a QR code: inline SVG (no image, script or style from elsewhere)."""
    return str(segno.make(uri_of(device), error="m").svg_inline(scale=4, border=4, light="#fff"))


def current_code(device: TOTPDevice) -> str:
    """The code the device shows now (for demo accounts, printed with COXA_DEBUG on)."""
    code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{code:0{device.digits}d}"

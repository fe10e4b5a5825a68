"""HTTP boundary types for accounts."""

from ninja import Schema
from pydantic import ConfigDict, Field


class TokenIn(Schema):
    model_config = ConfigDict(extra="forbid")
    username: str
    password: str
    # The code from the user's authenticator app: required when they have one or their role
    # must (COXA_OTP_REQUIRED_ROLES).
    otp: str = Field(default="", max_length=12)


class TokenOut(Schema):
    token: str
    token_type: str = "Bearer"  # noqa: S105 - the scheme name, not a secret
    expires_in_hours: int


class MeOut(Schema):
    username: str
    role: str
    role_label: str
    first_name: str
    last_name: str

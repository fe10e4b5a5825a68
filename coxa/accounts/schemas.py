"""HTTP boundary types for accounts."""

from typing import Annotated

from ninja import Schema
from pydantic import ConfigDict, Field

from coxa.core.inputs import STORABLE
from coxa.core.text import SECRET_MAX


class TokenIn(Schema):
    model_config = ConfigDict(extra="forbid")
    username: Annotated[str, Field(max_length=150), STORABLE]
    password: Annotated[str, Field(max_length=SECRET_MAX), STORABLE]
    # The code from the user's authenticator app: required when they have one or their role
    # must (COXA_OTP_REQUIRED_ROLES).
    otp: Annotated[str, Field(max_length=12)] = ""


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

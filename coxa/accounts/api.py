"""API: authentication (bearer tokens and Django sessions) and who the caller is."""

from django.conf import settings
from django.http import HttpRequest
from ninja import Router, Status

from coxa.accounts import services
from coxa.accounts.api_access import allow
from coxa.accounts.models import User
from coxa.accounts.permissions import Op
from coxa.accounts.schemas import MeOut, TokenIn, TokenOut
from coxa.core.errors import ErrorCode, InvalidInput, NotAuthenticated

router = Router(tags=["auth"])
AUTHORIZATION = "Authorization"


def actor(request: HttpRequest) -> User:
    """The authenticated user behind an API request."""
    user = getattr(request, "auth", None)
    if not isinstance(user, User):
        raise NotAuthenticated(ErrorCode.NOT_AUTHENTICATED, "sign in or send a bearer token")
    return user


@router.post("/token", response={200: TokenOut}, auth=allow(Op.API_TOKEN_CREATE))
def create_token(request: HttpRequest, payload: TokenIn) -> TokenOut:
    """Exchange a username and password for a bearer token (shown once)."""
    token = services.issue_token(
        username=payload.username, password=payload.password, request=request, otp=payload.otp
    )
    return TokenOut(token=token, expires_in_hours=settings.API_TOKEN_TTL_HOURS)


@router.delete("/token", response={204: None}, auth=allow(Op.API_TOKEN_REVOKE))
def revoke_token(request: HttpRequest) -> Status[None]:
    """Revoke the bearer token this request presents (sign this API client out).

    204 when the token was revoked. A browser session has no token to revoke: without a live
    token in the Authorization header the answer is 400 and nothing changes.
    """
    user = actor(request)
    scheme, _, token = request.headers.get(AUTHORIZATION, "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidInput(
            ErrorCode.NO_TOKEN,
            "no token to revoke: send it in the Authorization header as Bearer <token> "
            "(a web session signs out at /accounts/logout/)",
            AUTHORIZATION,
        )
    if not services.revoke_token(token=token.strip(), by=user):
        raise InvalidInput(
            ErrorCode.TOKEN_NOT_LIVE,
            "the token in the Authorization header is not a live token of yours: "
            "nothing was revoked",
            AUTHORIZATION,
        )
    return Status(204, None)


@router.get("/me", response=MeOut, auth=allow(Op.API_ME))
def me(request: HttpRequest) -> MeOut:
    """Who the caller is, and their role."""
    user = actor(request)
    return MeOut(
        username=user.username,
        role=user.role,
        role_label=user.role_label,
        first_name=user.first_name,
        last_name=user.last_name,
    )

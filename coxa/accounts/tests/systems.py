"""Connected systems for tests: keys made in the test (never committed), and what they sign.

Used by the accounts', the CDS service's and the security tests (``coxa/conftest.py`` makes
the ``connected_system`` fixture from it): the Ward EHR, registered with a key made now, signs
client assertions for /oauth/token and the JWTs an EHR sends with a CDS Hooks call.
"""

import json
import uuid
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from coxa.accounts.models import SystemClient, User
from coxa.accounts.services import systems
from coxa.core import clock

TOKEN_URL = "http://testserver/oauth/token"
CDS_URL = "http://testserver/cds-services/coxa-hip-decisions"
EHR_ISSUER = "https://ehr.example.org/"


def key_pair(algorithm: str = "ES384", kid: str = "key-1") -> tuple[Any, dict[str, Any]]:
    """A private key made now, and its public JWK (RS384: RSA 2048; ES384: EC P-384)."""
    if algorithm == "RS384":
        private: Any = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key()))
    else:
        private = ec.generate_private_key(ec.SECP384R1())
        public = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(private.public_key()))
    return private, public | {"kid": kid, "alg": algorithm, "use": "sig"}


@dataclass
class Signer:
    """A registered system and its private key: it signs assertions and CDS Hooks JWTs."""

    client: SystemClient
    private_key: Any
    kid: str = "key-1"
    algorithm: str = "ES384"

    @property
    def user(self) -> User:
        return self.client.account

    def sign(self, claims: dict[str, Any], **header: Any) -> str:
        fields = {"kid": self.kid, "typ": "JWT"} | header
        body = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(body, self.private_key, algorithm=self.algorithm, headers=fields)

    def _timed(self, seconds: int) -> dict[str, Any]:
        now = int(clock.now().timestamp())
        return {"exp": now + seconds, "jti": str(uuid.uuid4())}

    def assertion(
        self,
        audience: str = TOKEN_URL,
        seconds: int = 240,
        header: dict[str, Any] | None = None,
        **claims: Any,
    ) -> str:
        """A client assertion for the token endpoint (None leaves a claim out)."""
        own = {"iss": self.client.client_id, "sub": self.client.client_id, "aud": audience}
        return self.sign(own | self._timed(seconds) | claims, **(header or {}))

    def access_token(self, scope: str = "system/*.rs") -> str:
        """An access token from /oauth/token for ``scope``, as the system gets one."""
        from urllib.parse import urlencode

        from django.test import Client

        form = {
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": self.assertion(),
            "scope": scope,
        }
        answer = Client().post(
            "/oauth/token", urlencode(form), content_type="application/x-www-form-urlencoded"
        )
        assert answer.status_code == 200, answer.content
        return str(answer.json()["access_token"])

    def cds_jwt(
        self,
        audience: str = CDS_URL,
        seconds: int = 240,
        header: dict[str, Any] | None = None,
        **claims: Any,
    ) -> str:
        """The JWT an EHR sends with a CDS Hooks call (CDS Hooks 2.0)."""
        now = int(clock.now().timestamp())
        own = {"iss": self.client.cds_issuer, "aud": audience, "iat": now, "tenant": "ward"}
        return self.sign(own | self._timed(seconds) | claims, **(header or {}))


def connect(
    name: str = "Ward EHR",
    *,
    scopes: tuple[str, ...] = ("system/*.rs",),
    cds_issuer: str = EHR_ISSUER,
    algorithm: str = "ES384",
    jwks_url: str = "",
) -> Signer:
    """Register a system with a key made now (its public half inline, unless ``jwks_url``)."""
    private, public = key_pair(algorithm)
    client = systems.register_system(
        name=name,
        jwks=None if jwks_url else {"keys": [public]},
        jwks_url=jwks_url,
        scopes=scopes,
        cds_issuer=cds_issuer,
    )
    return Signer(client, private, algorithm=algorithm)

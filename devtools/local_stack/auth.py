"""Who is calling: Cognito JWTs verified like AppSync verifies them, and identity-pool guests.

moto's identity pool hands the same fixed credentials to every identity, so a SigV4 signature
could not tell one guest from another. The ``IdentityIssuer`` therefore answers the identity-pool
calls ``GetId`` and ``GetCredentialsForIdentity`` itself (the AWS front routes them here) and
issues credentials per identity; a verified signature maps back to its ``cognitoIdentityId``.
"""

from __future__ import annotations

import json
import secrets
import string
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from devtools.local_stack.aws_services import (
    FUNCTION_ACCESS_KEY_ID,
    FUNCTION_SECRET_ACCESS_KEY,
    FUNCTION_SESSION_TOKEN,
    IdentityPool,
    LocalResources,
)
from devtools.local_stack.cloudformation import ACCOUNT_ID
from devtools.local_stack.sigv4 import Credentials

CREDENTIALS_LIFETIME = timedelta(hours=1)


class AuthenticationError(Exception):
    """A missing or invalid credential: AppSync answers HTTP 401 UnauthorizedException."""


# ---- Cognito user pool tokens --------------------------------------------------------------------


@dataclass(frozen=True)
class UserPoolAuth:
    pool_id: str
    client_ids: frozenset[str]
    issuer: str
    jwks: jwt.PyJWKClient


class CognitoTokenVerifier:
    """RS256 signature against the pool's JWKS, issuer, audience (the pool's clients), expiry, token use."""

    def __init__(self, resources: LocalResources, region: str, aws_endpoint: str) -> None:
        self._pools = [
            UserPoolAuth(
                pool_id=pool.pool_id,
                client_ids=frozenset(pool.client_ids),
                issuer=f"https://cognito-idp.{region}.amazonaws.com/{pool.pool_id}",
                # moto serves the pool's JWKS locally, while tokens name the AWS issuer address.
                jwks=jwt.PyJWKClient(f"{aws_endpoint}/{pool.pool_id}/.well-known/jwks.json", cache_keys=True),
            )
            for pool in resources.user_pools.values()
        ]

    def verify(self, token: str, *, token_use: str = "id") -> dict[str, Any]:  # noqa: S107 - a claim, not a secret
        try:
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError as error:
            raise AuthenticationError("Unable to parse JWT token.") from error
        pool = next((pool for pool in self._pools if pool.issuer == unverified.get("iss")), None)
        if pool is None:
            raise AuthenticationError("Valid authorization header not provided.")
        try:
            key = pool.jwks.get_signing_key_from_jwt(token)
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                audience=list(pool.client_ids),
                issuer=pool.issuer,
                options={"require": ["exp", "iat", "iss", "sub", "aud", "token_use"]},
            )
        except jwt.ExpiredSignatureError as error:
            raise AuthenticationError("Token has expired.") from error
        except jwt.PyJWTError as error:
            raise AuthenticationError("Valid authorization header not provided.") from error
        if claims.get("token_use") != token_use:
            raise AuthenticationError("Valid authorization header not provided.")
        return claims


# ---- credentials: the functions' fixed ones and the identities' issued ones ----------------------


@dataclass(frozen=True)
class IssuedIdentity:
    identity_id: str
    pool_id: str
    authenticated: bool
    subject: str | None = None  # the user pool `sub` of an authenticated identity
    provider: str | None = None


class CredentialStore:
    """Every access key the local stack knows, with what it stands for."""

    FUNCTIONS = Credentials(FUNCTION_ACCESS_KEY_ID, FUNCTION_SECRET_ACCESS_KEY, FUNCTION_SESSION_TOKEN)

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_key: dict[str, tuple[Credentials, IssuedIdentity]] = {}

    def issue(self, identity: IssuedIdentity) -> Credentials:
        alphabet = string.ascii_uppercase + string.digits
        credentials = Credentials(
            access_key_id="ASIA" + "".join(secrets.choice(alphabet) for _ in range(16)),
            secret_access_key=secrets.token_urlsafe(30),
            session_token=secrets.token_urlsafe(96),
            expires_at=datetime.now(UTC) + CREDENTIALS_LIFETIME,
        )
        with self._lock:
            self._by_key[credentials.access_key_id] = (credentials, identity)
        return credentials

    def identity_credentials(self, access_key_id: str) -> Credentials | None:
        with self._lock:
            entry = self._by_key.get(access_key_id)
        return entry[0] if entry else None

    def identity_for(self, access_key_id: str) -> IssuedIdentity | None:
        with self._lock:
            entry = self._by_key.get(access_key_id)
        return entry[1] if entry else None

    def function_credentials(self, access_key_id: str) -> Credentials | None:
        return self.FUNCTIONS if access_key_id == FUNCTION_ACCESS_KEY_ID else None


# ---- the identity pool API (cognito-identity, JSON 1.1) --------------------------------------------


class IdentityPoolError(Exception):
    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


class IdentityIssuer:
    """``GetId`` and ``GetCredentialsForIdentity`` with a pool's real rules (moto ignores them)."""

    HANDLED = frozenset({"GetId", "GetCredentialsForIdentity"})

    def __init__(self, resources: LocalResources, verifier: CognitoTokenVerifier, store: CredentialStore) -> None:
        self._pools = resources.identity_pools
        self._verifier = verifier
        self._store = store
        self._lock = threading.Lock()
        self._identities: dict[str, IssuedIdentity] = {}
        self._by_subject: dict[tuple[str, str], str] = {}

    def handle(self, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        if operation == "GetId":
            return self._get_id(request)
        return self._get_credentials(request)

    def _pool(self, pool_id: str | None) -> IdentityPool:
        pool = self._pools.get(pool_id or "")
        if pool is None:
            raise IdentityPoolError("ResourceNotFoundException", f"IdentityPool '{pool_id}' not found.")
        return pool

    def _login_subject(self, pool: IdentityPool, logins: dict[str, str]) -> tuple[str, str]:
        """The user pool ``sub`` behind ``Logins`` (one provider of the pool, a valid id token)."""
        if len(logins) != 1:
            raise IdentityPoolError("NotAuthorizedException", "Exactly one login provider is supported locally.")
        (provider, token), *_ = logins.items()
        if provider not in pool.providers:
            raise IdentityPoolError(
                "NotAuthorizedException", f"Invalid login token. Provider {provider} not configured."
            )
        try:
            claims = self._verifier.verify(token)
        except AuthenticationError as error:
            raise IdentityPoolError("NotAuthorizedException", f"Invalid login token. {error}") from error
        if claims.get("aud") != pool.providers[provider]:
            raise IdentityPoolError("NotAuthorizedException", "Invalid login token. Incorrect client id.")
        return provider, str(claims["sub"])

    def _get_id(self, request: dict[str, Any]) -> dict[str, Any]:
        pool = self._pool(request.get("IdentityPoolId"))
        logins = request.get("Logins") or {}
        with self._lock:
            if not logins:
                if not pool.allow_unauthenticated:
                    raise IdentityPoolError(
                        "NotAuthorizedException", "Unauthenticated access is not supported for this identity pool."
                    )
                identity = IssuedIdentity(f"{_region(pool)}:{uuid.uuid4()}", pool.pool_id, authenticated=False)
                self._identities[identity.identity_id] = identity
                return {"IdentityId": identity.identity_id}
        provider, subject = self._login_subject(pool, logins)
        with self._lock:
            identity_id = self._by_subject.get((pool.pool_id, subject))
            if identity_id is None:  # one identity per user, stable across sign-ins
                identity_id = f"{_region(pool)}:{uuid.uuid4()}"
                self._by_subject[(pool.pool_id, subject)] = identity_id
                self._identities[identity_id] = IssuedIdentity(
                    identity_id, pool.pool_id, authenticated=True, subject=subject, provider=provider
                )
        return {"IdentityId": identity_id}

    def _get_credentials(self, request: dict[str, Any]) -> dict[str, Any]:
        identity_id = request.get("IdentityId", "")
        with self._lock:
            identity = self._identities.get(identity_id)
        if identity is None:
            raise IdentityPoolError("ResourceNotFoundException", f"Identity '{identity_id}' not found.")
        pool = self._pool(identity.pool_id)
        logins = request.get("Logins") or {}
        if identity.authenticated:
            if not logins:
                raise IdentityPoolError("NotAuthorizedException", "Logins are required for an authenticated identity.")
            _, subject = self._login_subject(pool, logins)
            if subject != identity.subject:
                raise IdentityPoolError("NotAuthorizedException", "Invalid login token for this identity.")
        elif logins:
            raise IdentityPoolError("NotAuthorizedException", "This identity is unauthenticated; Logins not expected.")
        credentials = self._store.issue(identity)
        assert credentials.expires_at is not None
        return {
            "IdentityId": identity_id,
            "Credentials": {
                "AccessKeyId": credentials.access_key_id,
                "SecretKey": credentials.secret_access_key,
                "SessionToken": credentials.session_token,
                "Expiration": credentials.expires_at.timestamp(),
            },
        }

    def error_body(self, error: IdentityPoolError) -> bytes:
        return json.dumps({"__type": error.code, "message": error.message}).encode()


def _region(pool: IdentityPool) -> str:
    return pool.pool_id.split(":", 1)[0]


def iam_identity(identity: IssuedIdentity, role: tuple[str, str], source_ip: str) -> dict[str, Any]:
    """AppSync's ``identity`` block for an identity-pool caller. ``role`` is (name, role id)."""
    role_name, role_id = role
    provider = None
    if identity.authenticated:
        provider = f'"{identity.provider}","{identity.provider}:CognitoSignIn:{identity.subject}"'
    return {
        "accountId": ACCOUNT_ID,
        "cognitoIdentityPoolId": identity.pool_id,
        "cognitoIdentityId": identity.identity_id,
        "sourceIp": [source_ip],
        "username": f"{role_id}:CognitoIdentityCredentials",
        "userArn": f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{role_name}/CognitoIdentityCredentials",
        "cognitoIdentityAuthType": "authenticated" if identity.authenticated else "unauthenticated",
        "cognitoIdentityAuthProvider": provider,
    }


def cognito_identity(claims: dict[str, Any], source_ip: str) -> dict[str, Any]:
    """AppSync's ``identity`` block for a Cognito user pool caller."""
    return {
        "sub": claims["sub"],
        "issuer": claims["iss"],
        "username": claims.get("cognito:username", claims["sub"]),
        "claims": claims,
        "sourceIp": [source_ip],
        "defaultAuthStrategy": "ALLOW",
        "groups": claims.get("cognito:groups"),
    }

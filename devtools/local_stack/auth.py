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
from collections.abc import Mapping
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
from devtools.local_stack.sigv4 import Credentials, HeaderLookup, SignatureError, verify_header_signature

CREDENTIALS_LIFETIME = timedelta(hours=1)


TOKEN_USES = ("id", "access")  # AppSync takes both kinds of user-pool token


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
    """What AppSync checks of a user-pool token: RS256 signature against the pool's JWKS, expiry,
    issuer, ``token_use`` (``id`` or ``access``) and the app client (``aud`` of an id token,
    ``client_id`` of an access token, which has no ``aud``)."""

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

    def verify(self, token: str, *, token_uses: tuple[str, ...] = TOKEN_USES) -> dict[str, Any]:
        try:
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError as error:
            raise AuthenticationError("Unable to parse JWT token.") from error
        pool = next((pool for pool in self._pools if pool.issuer == unverified.get("iss")), None)
        kind = unverified.get("token_use")
        if pool is None or kind not in token_uses:
            raise AuthenticationError("Valid authorization header not provided.")
        is_id_token = kind == "id"
        client_claim = "aud" if is_id_token else "client_id"
        try:
            key = pool.jwks.get_signing_key_from_jwt(token)
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                issuer=pool.issuer,
                # An id token's audience is checked here; an access token has none, its client below.
                audience=list(pool.client_ids) if is_id_token else None,
                options={"require": ["exp", "iat", "iss", "sub", "token_use", client_claim], "verify_aud": True},
            )
        except jwt.ExpiredSignatureError as error:
            raise AuthenticationError("Token has expired.") from error
        except jwt.PyJWTError as error:
            raise AuthenticationError("Valid authorization header not provided.") from error
        # Cognito's claims have fixed types; a token signed with moto's published key may carry any
        # (an `aud` list, a groups string): refused like any bad token, never a 500 (issue 22).
        groups = claims.get("cognito:groups", [])
        if (
            not isinstance(claims.get(client_claim), str)
            or claims[client_claim] not in pool.client_ids
            or not isinstance(claims.get("sub"), str)
            or not isinstance(groups, list)
            or not all(isinstance(group, str) for group in groups)
        ):
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

    def caller_credentials(self, access_key_id: str) -> Credentials | None:
        """Who may sign a GraphQL request: identity-pool identities, and the functions (the backend)."""
        return self.identity_credentials(access_key_id) or self.function_credentials(access_key_id)


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
        logins = request.get("Logins") or {}
        if (
            not isinstance(request.get("IdentityPoolId", ""), str)
            or not isinstance(request.get("IdentityId", ""), str)
            or not isinstance(logins, dict)
            or not all(isinstance(value, str) for value in logins.values())
        ):
            raise IdentityPoolError("SerializationException", "A request parameter has the wrong type.")
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
        try:  # identity pools take id tokens only
            claims = self._verifier.verify(token, token_uses=("id",))
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
        elif logins:  # a guest who signed in (Amplify sends the guest's IdentityId with the new Logins)
            provider, subject = self._login_subject(pool, logins)
            identity = self._sign_in_guest(identity, provider, subject)
        credentials = self._store.issue(identity)
        assert credentials.expires_at is not None
        return {
            "IdentityId": identity.identity_id,
            "Credentials": {
                "AccessKeyId": credentials.access_key_id,
                "SecretKey": credentials.secret_access_key,
                "SessionToken": credentials.session_token,
                "Expiration": credentials.expires_at.timestamp(),
            },
        }

    def _sign_in_guest(self, guest: IssuedIdentity, provider: str, subject: str) -> IssuedIdentity:
        """As Cognito does: the guest identity becomes the user's authenticated one; if the user
        already has an identity, the guest's is merged into it (and gone) and that one is returned."""
        with self._lock:
            self._identities.pop(guest.identity_id, None)
            existing = self._by_subject.get((guest.pool_id, subject))
            if existing is not None:
                return self._identities[existing]
            identity = IssuedIdentity(
                guest.identity_id, guest.pool_id, authenticated=True, subject=subject, provider=provider
            )
            self._identities[identity.identity_id] = identity
            self._by_subject[(guest.pool_id, subject)] = identity.identity_id
            return identity

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


def backend_identity(source_ip: str) -> dict[str, Any]:
    """AppSync's identity for an IAM role that is not an identity-pool identity (a function's role)."""
    role_name, role_id = BACKEND_ROLE_NAME
    return {
        "accountId": ACCOUNT_ID,
        "cognitoIdentityAuthProvider": None,
        "cognitoIdentityAuthType": None,
        "cognitoIdentityId": None,
        "cognitoIdentityPoolId": None,
        "sourceIp": [source_ip],
        "userArn": f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{role_name}/function",
        "username": f"{role_id}:function",
    }


def cognito_identity(claims: dict[str, Any], source_ip: str) -> dict[str, Any]:
    """AppSync's ``identity`` block for a Cognito user pool caller, alike for id and access tokens."""
    username = claims.get("cognito:username") if claims.get("token_use") == "id" else claims.get("username")
    return {
        "sub": claims["sub"],
        "issuer": claims["iss"],
        "username": username or claims["sub"],
        "claims": claims,
        "sourceIp": [source_ip],
        "defaultAuthStrategy": "ALLOW",
        "groups": claims.get("cognito:groups"),
    }


# ---- one function from an Authorization value to AppSync's identity (HTTP and realtime) --------------

COGNITO = "AMAZON_COGNITO_USER_POOLS"
IAM = "AWS_IAM"
# Locally every function signs with the same credentials, so a function's signature stands for the
# backend as a whole: held to the union of the function roles' appsync:GraphQL statements.
BACKEND_ROLE = "LocalFunctionRoles"
BACKEND_ROLE_NAME = ("ape-moments-local-function", "AROALOCALFUNCTIONS0000")


@dataclass(frozen=True)
class AuthenticatedCaller:
    mode: str  # COGNITO or IAM
    identity: dict[str, Any]  # AppSync's identity block, as a resolver receives it
    groups: tuple[str, ...] = ()
    role_id: str | None = None  # IAM: the logical id of the role the identity pool gave


@dataclass(frozen=True)
class SignedRequest:
    """What a SigV4 signature covers: the HTTP request, or the realtime handshake's signed ``/connect``."""

    method: str
    raw_path: str
    raw_query: str
    headers: HeaderLookup  # case-insensitive
    body: bytes


class Authenticator:
    """AppSync's authentication of a request: a user-pool token (id or access) or a SigV4 signature
    made with identity-pool credentials; anything else is refused with ``AuthenticationError``."""

    def __init__(  # noqa: PLR0917 - the parts authentication needs
        self,
        modes: list[str],
        verifier: CognitoTokenVerifier,
        credentials: CredentialStore,
        resources: LocalResources,
        role_names: Mapping[str, tuple[str, str]],
        region: str,
    ) -> None:
        self._modes = modes
        self._verifier = verifier
        self._credentials = credentials
        self._resources = resources
        self._role_names = role_names
        self._region = region

    def authenticate(
        self, authorization: str, source_ip: str, signed: SignedRequest | None = None
    ) -> AuthenticatedCaller:
        """``authorization`` is the raw header value; ``signed`` the request it signs (SigV4 only)."""
        authorization = authorization.strip()
        if not authorization:
            raise AuthenticationError("Valid authorization header not provided.")
        if authorization.startswith("AWS4-HMAC-SHA256"):
            if IAM not in self._modes:
                raise AuthenticationError("AWS_IAM authorization is not enabled for this API.")
            if signed is None:
                raise AuthenticationError("Valid authorization header not provided.")
            return self._iam_caller(signed, source_ip)
        if COGNITO not in self._modes:
            raise AuthenticationError("Valid authorization header not provided.")
        # AppSync takes the raw token: "Bearer <token>" is refused there too.
        claims = self._verifier.verify(authorization)
        return AuthenticatedCaller(
            mode=COGNITO,
            identity=cognito_identity(claims, source_ip),
            groups=tuple(claims.get("cognito:groups") or ()),
        )

    def _iam_caller(self, signed: SignedRequest, source_ip: str) -> AuthenticatedCaller:
        try:
            verified = verify_header_signature(
                method=signed.method,
                raw_path=signed.raw_path,
                raw_query=signed.raw_query,
                headers=signed.headers,
                body=signed.body,
                lookup=self._credentials.caller_credentials,
            )
        except SignatureError as error:
            raise AuthenticationError(error.message) from error
        if verified.service != "appsync" or verified.region != self._region:
            raise AuthenticationError("Credential should be scoped to a valid region and the 'appsync' service.")
        if self._credentials.function_credentials(verified.credentials.access_key_id) is not None:
            return AuthenticatedCaller(mode=IAM, identity=backend_identity(source_ip), role_id=BACKEND_ROLE)
        identity = self._credentials.identity_for(verified.credentials.access_key_id)
        if identity is None:  # only issued identity keys verify, so this is a coding error
            raise AuthenticationError("Valid authorization header not provided.")
        pool = self._resources.identity_pools[identity.pool_id]
        role_id = pool.roles.get("authenticated" if identity.authenticated else "unauthenticated")
        role = self._role_names.get(role_id or "", ("unknown-role", "AROAUNKNOWN"))
        return AuthenticatedCaller(mode=IAM, identity=iam_identity(identity, role, source_ip), role_id=role_id)

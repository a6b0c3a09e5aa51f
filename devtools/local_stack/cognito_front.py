"""The user-pool calls moto gets wrong for AWS's own clients, answered here as Cognito answers them.

- ``USER_SRP_AUTH`` (Amplify's default sign-in): moto accepts any password proof and issues an id
  token whose ``email`` is the user's ``sub``. Here the server side of Cognito's SRP runs for real
  (the password proof is verified against the password moto stores), and the tokens come from
  moto's own admin password flow, named by the user's email, so their claims are right.
- ``RevokeToken`` (Amplify's ``signOut``): missing in moto (HTTP 500). Here it revokes the refresh
  token of the app client that owns it.

moto runs in this process, so its Cognito backend is read directly (users, passwords, tokens).
Everything else goes on to moto unchanged.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass
from typing import Any

from devtools.local_stack.cloudformation import ACCOUNT_ID

# The 3072-bit group Cognito uses for SRP (RFC 5054's, as AWS's clients hold it), generator 2.
N_HEX = (
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C"
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"
)
N = int(N_HEX, 16)
G = 2
DERIVED_KEY_INFO = b"Caldera Derived Key\x01"
TARGET_PREFIX = "AWSCognitoIdentityProviderService."


class CognitoError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def padded_hex(value: int) -> str:
    """Cognito's hex of a positive integer: even length, and a leading 00 when the top bit is set."""
    text = format(value, "x")
    text = "0" + text if len(text) % 2 else text
    return "00" + text if text[0] in "89abcdef" else text


def _hash_hex(hex_text: str) -> str:
    return hashlib.sha256(bytes.fromhex(hex_text)).hexdigest()


K = int(_hash_hex(padded_hex(N) + padded_hex(G)), 16)


def password_verifier(pool_name: str, user_id: str, password: str, salt: int) -> int:
    """v = g^x, x = H(salt | H(poolName | userId | ":" | password))."""
    inner = hashlib.sha256(f"{pool_name}{user_id}:{password}".encode()).hexdigest()
    x = int(_hash_hex(padded_hex(salt) + inner), 16)
    return pow(G, x, N)


@dataclass
class SrpSession:
    pool_id: str
    client_id: str
    username: str  # the pool's internal username (USER_ID_FOR_SRP)
    salt: int
    verifier: int
    a_value: int
    b_secret: int
    b_value: int
    secret_block: bytes


def password_claim_key(session: SrpSession) -> bytes:
    """The 16-byte key both sides derive: HKDF(S, salt=u, info="Caldera Derived Key")."""
    u = int(_hash_hex(padded_hex(session.a_value) + padded_hex(session.b_value)), 16)
    shared = pow(session.a_value * pow(session.verifier, u, N), session.b_secret, N)
    prk = hmac.new(bytes.fromhex(padded_hex(u)), bytes.fromhex(padded_hex(shared)), hashlib.sha256).digest()
    return hmac.new(prk, DERIVED_KEY_INFO, hashlib.sha256).digest()[:16]


def expected_signature(session: SrpSession, timestamp: str) -> str:
    pool_name = session.pool_id.split("_", 1)[1]
    message = pool_name.encode() + session.username.encode() + session.secret_block + timestamp.encode()
    digest = hmac.new(password_claim_key(session), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class UserPoolFront:
    """``InitiateAuth`` (USER_SRP_AUTH), ``RespondToAuthChallenge`` (PASSWORD_VERIFIER), ``RevokeToken``."""

    def __init__(self, region: str) -> None:
        from moto.cognitoidp.models import cognitoidp_backends

        self._backend = cognitoidp_backends[ACCOUNT_ID][region]
        self._lock = threading.Lock()
        self._sessions: dict[str, SrpSession] = {}

    def claims(self, operation: str, request: dict[str, Any]) -> bool:
        """Whether this call is one answered here (the rest goes to moto)."""
        if operation == "InitiateAuth":
            return request.get("AuthFlow") == "USER_SRP_AUTH"
        if operation == "RespondToAuthChallenge":
            return request.get("ChallengeName") == "PASSWORD_VERIFIER"
        return operation == "RevokeToken"

    def handle(self, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        if operation == "InitiateAuth":
            return self._start_srp(request)
        if operation == "RespondToAuthChallenge":
            return self._verify_password_claim(request)
        return self._revoke(request)

    def _pool_of_client(self, client_id: str) -> Any:
        for pool in self._backend.user_pools.values():
            if client_id in pool.clients:
                return pool
        raise CognitoError("ResourceNotFoundException", f"User pool client {client_id} does not exist.")

    def _start_srp(self, request: dict[str, Any]) -> dict[str, Any]:
        client_id = str(request.get("ClientId", ""))
        pool = self._pool_of_client(client_id)
        parameters = request.get("AuthParameters") or {}
        try:
            a_value = int(str(parameters.get("SRP_A", "")), 16)
        except ValueError:
            a_value = 0
        if a_value % N == 0:
            raise CognitoError("InvalidParameterException", "SRP_A is missing or invalid.")
        user = pool._get_user(str(parameters.get("USERNAME", "")))
        if user is None or not user.enabled:
            # PreventUserExistenceErrors: an unknown user reads like a wrong password.
            raise CognitoError("NotAuthorizedException", "Incorrect username or password.")
        if user.status == "UNCONFIRMED":
            raise CognitoError("UserNotConfirmedException", "User is not confirmed.")
        salt = int.from_bytes(secrets.token_bytes(16), "big")
        b_secret = int.from_bytes(secrets.token_bytes(128), "big")
        verifier = password_verifier(pool.id.split("_", 1)[1], user.username, user.password or "", salt)
        session = SrpSession(
            pool_id=pool.id,
            client_id=client_id,
            username=user.username,
            salt=salt,
            verifier=verifier,
            a_value=a_value,
            b_secret=b_secret,
            b_value=(K * verifier + pow(G, b_secret, N)) % N,
            secret_block=secrets.token_bytes(64),
        )
        secret_block = base64.b64encode(session.secret_block).decode()
        with self._lock:
            self._sessions[secret_block] = session
        return {
            "ChallengeName": "PASSWORD_VERIFIER",
            "Session": secrets.token_urlsafe(48),
            "ChallengeParameters": {
                "SALT": format(salt, "x"),
                "SRP_B": format(session.b_value, "x"),
                "SECRET_BLOCK": secret_block,
                "USERNAME": user.username,
                "USER_ID_FOR_SRP": user.username,
            },
        }

    def _verify_password_claim(self, request: dict[str, Any]) -> dict[str, Any]:
        responses = request.get("ChallengeResponses") or {}
        with self._lock:  # a secret block proves one password claim, once
            session = self._sessions.pop(str(responses.get("PASSWORD_CLAIM_SECRET_BLOCK", "")), None)
        if session is None or request.get("ClientId") != session.client_id:
            raise CognitoError("NotAuthorizedException", "Invalid session for the user.")
        timestamp = str(responses.get("TIMESTAMP", ""))
        signature = str(responses.get("PASSWORD_CLAIM_SIGNATURE", ""))
        if responses.get("USERNAME") != session.username or not timestamp:
            raise CognitoError("NotAuthorizedException", "Incorrect username or password.")
        if not hmac.compare_digest(signature, expected_signature(session, timestamp)):
            raise CognitoError("NotAuthorizedException", "Incorrect username or password.")
        pool = self._backend.user_pools[session.pool_id]
        user = pool._get_user(session.username)
        # moto's admin flow names the user by its email where the pool signs in by email, so the id
        # token's `email` claim is the email (its SRP flow put the sub there).
        login = user.attribute_lookup.get("email") or user.username
        try:
            result: dict[str, Any] = self._backend.admin_initiate_auth(
                session.pool_id,
                session.client_id,
                "ADMIN_USER_PASSWORD_AUTH",
                {"USERNAME": login, "PASSWORD": user.password or ""},
            )
        except Exception as error:  # moto's own refusal (a disabled user, ...), in Cognito's words
            raise CognitoError(
                getattr(error, "error_type", "NotAuthorizedException"), getattr(error, "message", "")
            ) from error
        return result

    def _revoke(self, request: dict[str, Any]) -> dict[str, Any]:
        token, client_id = str(request.get("Token", "")), str(request.get("ClientId", ""))
        pool = self._pool_of_client(client_id)
        owner = pool.refresh_tokens.get(token)
        if token not in pool.refresh_tokens:
            return {}  # Cognito answers an unknown token with success, too
        if owner is not None and owner[0] != client_id:
            raise CognitoError("UnauthorizedException", "Token was not issued to this client.")
        pool.refresh_tokens[token] = None
        return {}

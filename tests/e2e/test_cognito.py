"""The local Cognito as AWS's clients use it: SRP sign-in, token revocation, the identity pool's
guest-to-user switch. (The real Amplify client runs the same flows in test_amplify_client.py.)"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from devtools.local_stack.cognito_front import G, N, padded_hex
from tests.e2e.conftest import PASSWORD, Stack, sigv4_signer
from tests.e2e.conftest import Caller as HttpCaller
from tests.e2e.order_sources import real_photo

pytestmark = pytest.mark.e2e


def _new_user(stack: Stack) -> str:
    cognito = stack.client("cognito-idp")
    email = f"e2e-{uuid.uuid4().hex[:10]}@example.com"
    cognito.sign_up(
        ClientId=stack.client_id, Username=email, Password=PASSWORD, UserAttributes=[{"Name": "email", "Value": email}]
    )
    cognito.admin_confirm_sign_up(UserPoolId=stack.user_pool_id, Username=email)
    return email


def _sha_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def srp_sign_in(stack: Stack, email: str, password: str) -> dict[str, Any]:
    """The client side of Cognito's SRP, as AWS's clients compute it (Amplify's AuthenticationHelper)."""
    cognito = stack.client("cognito-idp")
    a = int.from_bytes(secrets.token_bytes(128), "big")
    big_a = pow(G, a, N)
    challenge = cognito.initiate_auth(
        ClientId=stack.client_id,
        AuthFlow="USER_SRP_AUTH",
        AuthParameters={"USERNAME": email, "SRP_A": format(big_a, "x")},
    )
    parameters = challenge["ChallengeParameters"]
    user_id, salt, big_b = parameters["USER_ID_FOR_SRP"], int(parameters["SALT"], 16), int(parameters["SRP_B"], 16)
    pool_name = stack.user_pool_id.split("_", 1)[1]
    k = int(_sha_hex(bytes.fromhex(padded_hex(N) + padded_hex(G))), 16)
    u = int(_sha_hex(bytes.fromhex(padded_hex(big_a) + padded_hex(big_b))), 16)
    x = int(_sha_hex(bytes.fromhex(padded_hex(salt) + _sha_hex(f"{pool_name}{user_id}:{password}".encode()))), 16)
    shared = pow((big_b - k * pow(G, x, N)) % N, a + u * x, N)
    prk = hmac.new(bytes.fromhex(padded_hex(u)), bytes.fromhex(padded_hex(shared)), hashlib.sha256).digest()
    key = hmac.new(prk, b"Caldera Derived Key\x01", hashlib.sha256).digest()[:16]
    timestamp = datetime.now(UTC).strftime("%a %b %-d %H:%M:%S UTC %Y")
    message = pool_name.encode() + user_id.encode() + base64.b64decode(parameters["SECRET_BLOCK"]) + timestamp.encode()
    signature = base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()
    answer = cognito.respond_to_auth_challenge(
        ClientId=stack.client_id,
        ChallengeName="PASSWORD_VERIFIER",
        Session=challenge["Session"],
        ChallengeResponses={
            "USERNAME": user_id,
            "PASSWORD_CLAIM_SECRET_BLOCK": parameters["SECRET_BLOCK"],
            "TIMESTAMP": timestamp,
            "PASSWORD_CLAIM_SIGNATURE": signature,
        },
    )
    return dict(answer["AuthenticationResult"])


def _claims(token: str) -> dict[str, Any]:
    return dict(json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "==")))


def test_srp_sign_in_verifies_the_password_and_gives_the_right_claims(stack: Stack) -> None:
    email = _new_user(stack)
    tokens = srp_sign_in(stack, email, PASSWORD)
    id_claims = _claims(tokens["IdToken"])
    assert id_claims["email"] == email
    assert id_claims["cognito:username"] == id_claims["sub"]  # an email-login pool's internal username
    assert _claims(tokens["AccessToken"])["sub"] == id_claims["sub"]
    with pytest.raises(ClientError) as refused:
        srp_sign_in(stack, email, "Wrong-Passw0rd-long")
    assert refused.value.response["Error"]["Code"] == "NotAuthorizedException"
    with pytest.raises(ClientError) as unknown:
        srp_sign_in(stack, f"nobody-{uuid.uuid4().hex[:6]}@example.com", PASSWORD)
    assert unknown.value.response["Error"]["Code"] == "NotAuthorizedException"  # existence is not leaked


def test_a_password_claim_is_good_once(stack: Stack) -> None:
    email = _new_user(stack)
    cognito = stack.client("cognito-idp")
    challenge = cognito.initiate_auth(
        ClientId=stack.client_id, AuthFlow="USER_SRP_AUTH", AuthParameters={"USERNAME": email, "SRP_A": "abc123"}
    )
    responses = {
        "USERNAME": challenge["ChallengeParameters"]["USER_ID_FOR_SRP"],
        "PASSWORD_CLAIM_SECRET_BLOCK": challenge["ChallengeParameters"]["SECRET_BLOCK"],
        "TIMESTAMP": "Mon Nov 24 10:00:00 UTC 2026",
        "PASSWORD_CLAIM_SIGNATURE": base64.b64encode(b"0" * 32).decode(),
    }
    for _ in range(2):  # a forged claim is refused, and its secret block is spent
        with pytest.raises(ClientError) as refused:
            cognito.respond_to_auth_challenge(
                ClientId=stack.client_id, ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=responses
            )
        assert refused.value.response["Error"]["Code"] == "NotAuthorizedException"


def test_revoking_a_refresh_token_succeeds_and_ends_it(stack: Stack) -> None:
    cognito = stack.client("cognito-idp")
    tokens = srp_sign_in(stack, _new_user(stack), PASSWORD)
    refreshed = cognito.initiate_auth(
        ClientId=stack.client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]},
    )
    assert refreshed["AuthenticationResult"]["IdToken"]
    cognito.revoke_token(Token=tokens["RefreshToken"], ClientId=stack.client_id)
    with pytest.raises(ClientError) as refused:
        cognito.initiate_auth(
            ClientId=stack.client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]},
        )
    assert refused.value.response["Error"]["Code"] == "NotAuthorizedException"


# ---- the identity pool ------------------------------------------------------------------------


def _credentials(stack: Stack, identity_id: str, logins: dict[str, str] | None = None) -> dict[str, Any]:
    identity = stack.client("cognito-identity")
    return dict(identity.get_credentials_for_identity(IdentityId=identity_id, **({"Logins": logins} if logins else {})))


def _caller(stack: Stack, answer: dict[str, Any]) -> HttpCaller:
    issued = answer["Credentials"]
    credentials = Credentials(issued["AccessKeyId"], issued["SecretKey"], issued["SessionToken"])
    return HttpCaller(stack, sigv4_signer(stack, credentials), answer["IdentityId"])


def test_a_guest_who_signs_in_becomes_the_users_authenticated_identity(stack: Stack) -> None:
    identity = stack.client("cognito-identity")
    provider = f"cognito-idp.{stack.region}.amazonaws.com/{stack.user_pool_id}"
    email = _new_user(stack)
    guest_id = identity.get_id(IdentityPoolId=stack.identity_pool_id)["IdentityId"]
    guest = _caller(stack, _credentials(stack, guest_id))
    order = guest.graphql(
        'mutation($key: String) { createOrder(items: [{sku: "PRINT_4X6", quantity: 1, photoKey: $key}], '
        'currency: "USD") { orderId customerId } }',
        {"key": real_photo(guest)},
    )
    assert order.data["createOrder"]["customerId"] == guest_id

    tokens = srp_sign_in(stack, email, PASSWORD)
    signed_in = _credentials(stack, guest_id, {provider: tokens["IdToken"]})
    assert signed_in["IdentityId"] == guest_id  # the same identity, now authenticated
    user = _caller(stack, signed_in)
    listed = user.graphql("query { listOrders { items { orderId customerId } } }").data["listOrders"]["items"]
    assert [o["orderId"] for o in listed] == [order.data["createOrder"]["orderId"]]
    # Its guest credentials no longer do for it: it needs the login now.
    with pytest.raises(ClientError) as refused:
        _credentials(stack, guest_id)
    assert refused.value.response["Error"]["Code"] == "NotAuthorizedException"

    # Signed out, a new guest; signing in again merges it into the user's identity.
    second_guest = identity.get_id(IdentityPoolId=stack.identity_pool_id)["IdentityId"]
    assert second_guest != guest_id
    again = _credentials(stack, second_guest, {provider: srp_sign_in(stack, email, PASSWORD)["IdToken"]})
    assert again["IdentityId"] == guest_id
    with pytest.raises(ClientError) as merged:
        _credentials(stack, second_guest)
    assert merged.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_the_identity_pool_takes_id_tokens_only(stack: Stack) -> None:
    identity = stack.client("cognito-identity")
    provider = f"cognito-idp.{stack.region}.amazonaws.com/{stack.user_pool_id}"
    tokens = srp_sign_in(stack, _new_user(stack), PASSWORD)
    with pytest.raises(ClientError) as refused:
        identity.get_id(IdentityPoolId=stack.identity_pool_id, Logins={provider: tokens["AccessToken"]})
    assert refused.value.response["Error"]["Code"] == "NotAuthorizedException"

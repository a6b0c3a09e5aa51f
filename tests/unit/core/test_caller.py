"""Who is calling: the owner id comes from the identity only (SPEC 1)."""

from __future__ import annotations

import pytest

from ape_moments.caller import Role, caller_from_identity
from ape_moments.errors import Forbidden
from tests.conftest import cognito_identity, guest_identity

TOKEN_USES = pytest.mark.parametrize("token_use", ["id", "access"])


@TOKEN_USES
def test_cognito_user_is_a_customer_owning_by_sub(token_use: str) -> None:
    caller = caller_from_identity(cognito_identity("sub-1", token_use=token_use))
    assert (caller.role, caller.owner_id) == (Role.CUSTOMER, "sub-1")


@TOKEN_USES
def test_admins_group_makes_an_admin(token_use: str) -> None:
    admin = cognito_identity("sub-2", groups=["staff", "admins"], token_use=token_use)
    assert caller_from_identity(admin).role is Role.ADMIN
    staff = cognito_identity("sub-3", groups=["administrators"], token_use=token_use)
    assert caller_from_identity(staff).role is Role.CUSTOMER


def test_id_and_access_tokens_of_one_user_are_one_owner() -> None:
    """Amplify sends the access token; a curl user may send the id token: same data either way."""
    by_id = caller_from_identity(cognito_identity("sub-5", token_use="id"))
    by_access = caller_from_identity(cognito_identity("sub-5", token_use="access"))
    assert by_id == by_access


@TOKEN_USES
def test_groups_are_read_from_claims_when_the_list_is_absent(token_use: str) -> None:
    identity = cognito_identity("sub-4", groups=["admins"], token_use=token_use)
    identity["groups"] = None
    assert caller_from_identity(identity).role is Role.ADMIN


def test_unauthenticated_identity_pool_caller_is_a_guest() -> None:
    caller = caller_from_identity(guest_identity("us-east-1:abc"))
    assert (caller.role, caller.owner_id) == (Role.GUEST, "us-east-1:abc")


def test_authenticated_identity_pool_caller_is_a_customer() -> None:
    identity = guest_identity("us-east-1:def") | {"cognitoIdentityAuthType": "authenticated"}
    assert caller_from_identity(identity).role is Role.CUSTOMER


@pytest.mark.parametrize(
    "identity",
    [None, {}, {"accountId": "123456789012", "userArn": "arn:aws:sts::123456789012:assumed-role/Worker/x"}],
)
def test_no_customer_identity_is_forbidden(identity: dict[str, str] | None) -> None:
    with pytest.raises(Forbidden):
        caller_from_identity(identity)


def test_customer_id_rules() -> None:
    customer = caller_from_identity(cognito_identity("me"))
    admin = caller_from_identity(cognito_identity("boss", groups=["admins"]))
    assert customer.customer_for(None) == "me"
    assert customer.customer_for("me") == "me"
    with pytest.raises(Forbidden):
        customer.customer_for("you")
    assert admin.customer_for("you") == "you"
    assert admin.scope_for_listing(None) is None
    assert customer.scope_for_listing(None) == "me"
    assert customer.may_access("me")
    assert not customer.may_access("you")
    assert admin.may_access("you")

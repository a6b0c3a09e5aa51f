"""Who is calling, derived from the AppSync identity and nothing else (SPEC section 1)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ape_moments.errors import Forbidden, ValidationError

ADMIN_GROUP = "admins"


class Role(StrEnum):
    CUSTOMER = "customer"
    GUEST = "guest"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class Caller:
    role: Role
    owner_id: str
    # The signed-in user's email when the token carries it verified (id tokens do; access tokens,
    # which Amplify sends, carry none): where order emails go (SPEC 13).
    verified_email: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    def may_access(self, owner_id: str) -> bool:
        """An object is visible to its owner and to admins; to anyone else it does not exist."""
        return self.is_admin or owner_id == self.owner_id

    def customer_for(self, customer_id: str | None) -> str:
        """The owner id a write acts for: the caller's own, or any for an admin."""
        if customer_id is None or customer_id == self.owner_id:
            return self.owner_id
        if self.is_admin:
            return customer_id
        raise Forbidden("customerId: you may only act on your own data")

    def scope_for_listing(self, customer_id: str | None) -> str | None:
        """The customerId a listing is limited to; None only for an admin listing everyone."""
        if self.is_admin:
            return customer_id
        return self.customer_for(customer_id)

    def customer_to_list(self, customer_id: str | None) -> str:
        """The customer a listing is limited to, for kinds indexed by customer only.

        There is no index over everyone's items, and a Scan is never an option, so an admin
        names the customer.
        """
        scope = self.scope_for_listing(customer_id)
        if scope is None:
            raise ValidationError("customerId: an admin listing needs customerId")
        return scope


def caller_from_identity(identity: dict[str, Any] | None) -> Caller:
    """Map AppSync's ``identity`` block to a Caller.

    Cognito user pools: ``sub`` and ``groups``. AWS_IAM through the identity pool:
    ``cognitoIdentityId`` and ``cognitoIdentityAuthType``. IAM callers without a Cognito
    identity (the project's own roles) have no customer data of their own and are refused.
    """
    if not identity:
        raise Forbidden("this operation needs a signed-in user or a guest identity")
    sub = identity.get("sub")
    if sub:
        groups = identity.get("groups") or identity.get("claims", {}).get("cognito:groups") or []
        role = Role.ADMIN if ADMIN_GROUP in groups else Role.CUSTOMER
        claims = identity.get("claims") or {}
        verified = str(claims.get("email_verified")).lower() == "true"
        email = claims.get("email") if verified and isinstance(claims.get("email"), str) else None
        return Caller(role=role, owner_id=str(sub), verified_email=email)
    identity_id = identity.get("cognitoIdentityId")
    if identity_id:
        # An identity-pool identity that signed in (authenticated) is a customer, otherwise a guest.
        auth_type = identity.get("cognitoIdentityAuthType")
        role = Role.CUSTOMER if auth_type == "authenticated" else Role.GUEST
        return Caller(role=role, owner_id=str(identity_id))
    raise Forbidden("this operation needs a signed-in user or a guest identity")

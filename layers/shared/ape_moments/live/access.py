"""Who may subscribe to what (SPEC section 10). Pure rules: the object's owner is looked up by the caller.

Enhanced subscription filters need JS or VTL, which this project does not use, so these rules,
run once when a client subscribes, plus AppSync's argument matching, are the whole of the
access control: a subscription that passes here receives every change whose fields match its
arguments.
"""

from __future__ import annotations

from dataclasses import dataclass

from ape_moments.caller import Caller
from ape_moments.errors import Forbidden, NotFound, ValidationError


@dataclass(frozen=True, slots=True)
class SubscriptionRequest:
    customer_id: str | None
    object_id: str | None
    object_argument: str  # orderId, albumId or collageId: named in refusals


def check_scope(caller: Caller, request: SubscriptionRequest) -> bool:
    """Refuse what the arguments alone decide; True when the object's owner must still be checked.

    Admins may subscribe to anything, with or without arguments. Customers and guests name
    their own customerId and/or an object id; an empty argument counts as given and wrong.
    """
    for name, value in (("customerId", request.customer_id), (request.object_argument, request.object_id)):
        if value is not None and not value.strip():
            raise ValidationError(f"{name}: must not be empty")
    if caller.is_admin:
        return False
    if request.customer_id is None and request.object_id is None:
        raise ValidationError(f"customerId or {request.object_argument}: give your customerId and/or the id to follow")
    if request.customer_id is not None and request.customer_id != caller.owner_id:
        raise Forbidden("customerId: you may only subscribe to your own data")
    return request.object_id is not None


def check_owner(caller: Caller, request: SubscriptionRequest, owner_id: str | None) -> None:
    """The named object must exist and be the caller's; someone else's reads as missing."""
    if owner_id is None or not caller.may_access(owner_id):
        raise NotFound(f"{request.object_argument}: no such object")

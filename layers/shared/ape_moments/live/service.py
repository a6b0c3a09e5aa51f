"""The live-update use case of the resolvers: authorizing a subscription (SPEC 10).

Publishing is a reaction to table changes: ``ape_moments.reactions.live``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from ape_moments.caller import Caller
from ape_moments.live.access import SubscriptionRequest, check_owner, check_scope
from ape_moments.live.publications import Followed


class Owned(Protocol):
    customer_id: str


class OwnedTable(Protocol):
    def get(self, key_value: str) -> Owned | None: ...


class SubscriptionAccess:
    """Runs when a client subscribes (the subscription field's resolver): refuses per SPEC 10."""

    def __init__(self, subscriptions: Mapping[str, Followed], tables: Mapping[str, OwnedTable]) -> None:
        self._subscriptions = subscriptions  # subscription field -> the kind it follows
        self._tables = tables  # GraphQL type name -> its repository

    def authorize(self, caller: Caller, field_name: str, arguments: Mapping[str, Any]) -> None:
        kind = self._subscriptions[field_name]
        request = SubscriptionRequest(arguments.get("customerId"), arguments.get(kind.key), kind.key)
        if check_scope(caller, request):
            assert request.object_id is not None  # check_scope asks for the owner only with an id
            found = self._tables[kind.type_name].get(request.object_id)
            check_owner(caller, request, found.customer_id if found else None)

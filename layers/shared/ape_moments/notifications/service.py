"""Email preferences: the API's two operations and the one-click unsubscribe."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from ape_moments.caller import Caller, Role
from ape_moments.errors import Forbidden
from ape_moments.notifications import tokens
from ape_moments.notifications.preferences import PreferencesRepository
from ape_moments.notifications.rules import is_signed_in


class PreferencesService:
    """emailPreferences / setEmailPreferences: a signed-in customer's own switch.

    Guests get Forbidden (SPEC 13 gives the operations to signed-in customers; a guest's role may
    not do this, which is SPEC 2's Forbidden, not bad input). A guest's emails stop through the
    unsubscribe link in any of them."""

    def __init__(self, repository: PreferencesRepository) -> None:
        self._repository = repository

    @staticmethod
    def _key(caller: Caller) -> str:
        if caller.role is Role.GUEST or not is_signed_in(caller.owner_id):
            raise Forbidden("email preferences are for signed-in customers")
        return f"customer#{caller.owner_id}"

    def get(self, caller: Caller) -> dict[str, Any]:
        return {"orderEmails": self._repository.order_emails(self._key(caller))}

    def set(self, caller: Caller, order_emails: bool) -> dict[str, Any]:
        self._repository.set_order_emails(self._key(caller), order_emails, via="api")
        return {"orderEmails": order_emails}


class UnsubscribeService:
    """The link's token names the switch it turns off; it can only turn emails off."""

    def __init__(self, secret: bytes, repository: PreferencesRepository, clock: Callable[[], datetime]) -> None:
        self._secret = secret
        self._repository = repository
        self._clock = clock

    def check(self, token: str) -> str:
        """The switch the token names; InvalidToken otherwise (nothing is read or written)."""
        return tokens.verify(self._secret, token, self._clock())

    def unsubscribe(self, token: str) -> None:
        self._repository.set_order_emails(self.check(token), False, via="unsubscribe-link")

"""A signed-in owner's email address, from the Cognito user pool (the one source of truth).

Albums and collages carry no address: the mailer asks the pool for the user whose ``sub`` is the
owner id (ListUsers with a ``sub`` filter: the pool signs in by email, so usernames are not
subs). Only a verified address is used; a deleted user or an unverified address gets no email.
"""

from __future__ import annotations

from typing import Any


class OwnerDirectory:
    def __init__(self, user_pool_id: str, client: Any) -> None:
        self._pool = user_pool_id
        self._client = client

    def email_of(self, owner_id: str) -> str | None:
        if '"' in owner_id or "\\" in owner_id:  # never part of a sub; keeps the filter well-formed
            return None
        users = self._client.list_users(
            UserPoolId=self._pool, Filter=f'sub = "{owner_id}"', Limit=1, AttributesToGet=["email", "email_verified"]
        ).get("Users", [])
        if not users:
            return None
        attributes = {a["Name"]: a["Value"] for a in users[0].get("Attributes", [])}
        if attributes.get("email_verified", "false").lower() != "true":
            return None
        return attributes.get("email") or None

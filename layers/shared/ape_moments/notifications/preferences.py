"""The email preferences table: one item per switch (``customer#<sub>`` or ``address#<email>``).

The only module that reads or writes it. A switch that was never set is on (SPEC 13's default).
"""

from __future__ import annotations

from typing import Any

from ape_moments.clock import to_aws_datetime, utc_now


class PreferencesRepository:
    def __init__(self, table_name: str, client: Any) -> None:
        self._table = table_name
        self._client = client

    def order_emails(self, preference_key: str) -> bool:
        response = self._client.get_item(
            TableName=self._table,
            Key={"preferenceKey": {"S": preference_key}},
            ConsistentRead=True,
            ProjectionExpression="orderEmails",
        )
        item = response.get("Item")
        return True if item is None else bool(item["orderEmails"]["BOOL"])

    def set_order_emails(self, preference_key: str, enabled: bool, *, via: str) -> None:
        """One put: the switch and when and how it was set (``api`` or ``unsubscribe-link``)."""
        self._client.put_item(
            TableName=self._table,
            Item={
                "preferenceKey": {"S": preference_key},
                "orderEmails": {"BOOL": enabled},
                "updatedAt": {"S": to_aws_datetime(utc_now())},
                "updatedVia": {"S": via},
            },
        )

"""Sent emails: one record per (change, kind) in the idempotency table, claimed before sending.

The only module that writes them. A mailer claims the record with one conditional put (free, or
a claim whose lease ran out: its mailer died), sends, then marks it SENT. Two mailers on the same
message: one claims, the other finds the claim and backs off (its message comes back later and
finds SENT). A failed send gives the claim back, so the retry may send. The one window left is a
mailer dying between SES accepting and the SENT write: after the lease the email is sent again
(at least once there, never silently lost). Records expire with the table's TTL.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from botocore.exceptions import ClientError

CLAIM_LEASE = timedelta(seconds=90)  # > one send with its retries; < the queue's visibility timeout
RECORD_LIFETIME = timedelta(days=14)  # > the email queue's retention (redeliveries stop by then)
SENDING, SENT = "SENDING", "SENT"


class ClaimResult(StrEnum):
    CLAIMED = "claimed"
    ALREADY_SENT = "already_sent"
    IN_FLIGHT = "in_flight"  # another mailer holds a live claim


class SendLedger:
    def __init__(self, table_name: str, client: Any) -> None:
        self._table = table_name
        self._client = client
        self._claimant = uuid.uuid4().hex  # this execution environment's claims

    def claim(self, key: str, now: datetime) -> ClaimResult:
        try:
            self._client.put_item(
                TableName=self._table,
                Item={
                    "id": {"S": key},
                    "status": {"S": SENDING},
                    "claimant": {"S": self._claimant},
                    "leaseUntil": {"N": str(int((now + CLAIM_LEASE).timestamp()))},
                    "expiration": {"N": str(int((now + RECORD_LIFETIME).timestamp()))},
                },
                ConditionExpression="attribute_not_exists(id) OR (#s = :sending AND leaseUntil < :now)",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":sending": {"S": SENDING}, ":now": {"N": str(int(now.timestamp()))}},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            current: dict[str, Any] = dict(error.response.get("Item") or {})  # type: ignore[call-overload]
            status = current.get("status", {}).get("S")
            return ClaimResult.ALREADY_SENT if status == SENT else ClaimResult.IN_FLIGHT
        return ClaimResult.CLAIMED

    def sent(self, key: str, message_id: str) -> None:
        self._client.update_item(
            TableName=self._table,
            Key={"id": {"S": key}},
            UpdateExpression="SET #s = :sent, messageId = :m REMOVE leaseUntil",
            ConditionExpression="claimant = :me",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":sent": {"S": SENT}, ":m": {"S": message_id}, ":me": {"S": self._claimant}},
        )

    def release(self, key: str) -> None:
        """Give a claim back after a failed send (only ours, only while still SENDING)."""
        try:
            self._client.delete_item(
                TableName=self._table,
                Key={"id": {"S": key}},
                ConditionExpression="claimant = :me AND #s = :sending",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":me": {"S": self._claimant}, ":sending": {"S": SENDING}},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

"""The notifications reaction on the stream spine: a change that mails someone becomes one message
on the email queue, nothing more (the mailer renders and sends, so a slow or throttled SES never
holds the stream back). Redelivered changes send the same message again; the mailer's ledger,
keyed by (change, kind), sends its email once."""

from __future__ import annotations

from typing import Any

from ape_moments.changes import Change
from ape_moments.notifications.rules import email_kind, notice_for


class NotificationsReaction:
    name = "notifications"

    def __init__(self, email_queue_url: str, sqs: Any) -> None:
        self._queue_url = email_queue_url
        self._sqs = sqs

    def wants(self, change: Change[Any]) -> bool:
        return email_kind(change) is not None

    def react(self, change: Change[Any]) -> None:
        notice = notice_for(change)
        if notice is None:  # nobody to mail (no contactEmail, a guest's album)
            return
        self._sqs.send_message(QueueUrl=self._queue_url, MessageBody=notice.model_dump_json(exclude_none=True))

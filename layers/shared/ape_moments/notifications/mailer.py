"""The mailer: one email-queue message, one email, exactly once per (change, kind).

Order of work: the recipient (orders carry it; albums and collages ask the user pool), their
switch (off: counted as suppressed, nothing sent), the ledger's claim, the send through SES v2
with raw content (it carries RFC 8058's headers) and the configuration set (its suppression list
keeps bounced and complaining addresses out), then the ledger's SENT. A failed send gives the
claim back and raises: the queue retries the message, then sets it aside in its DLQ (alarmed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from aws_lambda_powertools import Logger

from ape_moments import metrics
from ape_moments.notifications import tokens
from ape_moments.notifications.ledger import ClaimResult, SendLedger
from ape_moments.notifications.preferences import PreferencesRepository
from ape_moments.notifications.recipients import OwnerDirectory
from ape_moments.notifications.rendering import Links, mime_message, object_path, render
from ape_moments.notifications.rules import Notice, preference_key

logger = Logger()


class SendInFlight(Exception):  # noqa: N818
    """Another mailer holds this email's claim: retry the message later (it will find SENT)."""


@dataclass(frozen=True, slots=True)
class MailerConfig:
    sender: str
    configuration_set: str
    app_url: str  # the frontend's origin (AppUrl), without a trailing slash
    unsubscribe_url: str  # the unsubscribe endpoint (its function URL; locally the local stack)
    secret: bytes


class Mailer:
    def __init__(
        self,
        config: MailerConfig,
        *,
        ses: Any,
        ledger: SendLedger,
        preferences: PreferencesRepository,
        owners: OwnerDirectory,
        clock: Callable[[], datetime],
    ) -> None:
        self._config = config
        self._ses = ses
        self._ledger = ledger
        self._preferences = preferences
        self._owners = owners
        self._clock = clock

    def deliver(self, notice: Notice) -> str | None:
        """The SES message id of the email this call sent; None when nothing was (or is) to send."""
        kind = notice.kind.value
        recipient = notice.recipient or self._owners.email_of(notice.owner_id)
        if recipient is None:
            logger.info("no address: no email", change_id=notice.change_id, kind=kind)
            return None
        key = preference_key(notice.owner_id, recipient)
        if not self._preferences.order_emails(key):
            metrics.email_suppressed(kind, notice.change_id)
            return None
        now = self._clock()
        claim = self._ledger.claim(notice.idempotency_key, now)
        if claim is ClaimResult.ALREADY_SENT:
            logger.info("already sent", change_id=notice.change_id, kind=kind)
            return None
        if claim is ClaimResult.IN_FLIGHT:
            raise SendInFlight(notice.idempotency_key)
        try:
            message_id = self._send(notice, recipient, key, now)
        except Exception:
            self._ledger.release(notice.idempotency_key)
            metrics.email_failed(kind, notice.change_id)
            raise
        self._ledger.sent(notice.idempotency_key, message_id)
        metrics.email_sent(kind, notice.change_id)
        return message_id

    def _send(self, notice: Notice, recipient: str, key: str, now: datetime) -> str:
        config = self._config
        token = tokens.sign(config.secret, key, now)
        unsubscribe_link = f"{config.unsubscribe_url}?{urlencode({'token': token})}"
        links = Links(
            object_link=config.app_url + object_path(notice),
            preferences_link=f"{config.app_url}/settings/email",
            unsubscribe_link=unsubscribe_link,
        )
        email = render(notice, links)
        raw = mime_message(email, sender=config.sender, recipient=recipient, unsubscribe_link=unsubscribe_link)
        response = self._ses.send_email(
            FromEmailAddress=config.sender,
            Destination={"ToAddresses": [recipient]},
            Content={"Raw": {"Data": raw}},
            ConfigurationSetName=config.configuration_set,
        )
        return str(response["MessageId"])

"""The notifications family's composition root: the mailer, the preferences, the unsubscribe
endpoint, and the reaction the change-stream consumer registers."""

from __future__ import annotations

import functools
from typing import Protocol

from ape_moments import aws
from ape_moments.clock import utc_now
from ape_moments.notifications.ledger import SendLedger
from ape_moments.notifications.mailer import Mailer, MailerConfig
from ape_moments.notifications.preferences import PreferencesRepository
from ape_moments.notifications.reaction import NotificationsReaction
from ape_moments.notifications.recipients import OwnerDirectory
from ape_moments.notifications.service import PreferencesService, UnsubscribeService
from ape_moments.settings import (
    EmailPreferencesSettings,
    EmailQueueSettings,
    MailerSettings,
    UnsubscribeSettings,
)


@functools.cache
def email_queue_settings() -> EmailQueueSettings:
    return EmailQueueSettings.from_environment()


@functools.cache
def preferences_settings() -> EmailPreferencesSettings:
    return EmailPreferencesSettings.from_environment()


@functools.cache
def unsubscribe_settings() -> UnsubscribeSettings:
    return UnsubscribeSettings.from_environment()


@functools.cache
def mailer_settings() -> MailerSettings:
    return MailerSettings.from_environment()


@functools.cache
def signing_secret(secret_arn: str) -> bytes:
    """The unsubscribe links' HMAC key, read once per execution environment (cold start)."""
    value = aws.client("secretsmanager").get_secret_value(SecretId=secret_arn)["SecretString"]
    return str(value).encode()


class HasEmailQueue(Protocol):
    @property
    def email_queue_url(self) -> str: ...


def notifications(config: HasEmailQueue) -> NotificationsReaction:
    """The change-stream consumer's factory (``ape_moments/reactions/wiring.py``'s ``REACTIONS``):
    its settings carry ``email_queue_url`` (``EMAIL_QUEUE_URL``, from EmailQueueSettings)."""
    return NotificationsReaction(config.email_queue_url, aws.client("sqs"))


def notifications_reaction() -> NotificationsReaction:
    """The same, configured from this family's own settings (EMAIL_QUEUE_URL)."""
    return notifications(email_queue_settings())


@functools.cache
def preferences_service() -> PreferencesService:
    return PreferencesService(
        PreferencesRepository(preferences_settings().email_preferences_table_name, aws.client("dynamodb"))
    )


@functools.cache
def unsubscribe_service() -> UnsubscribeService:
    config = unsubscribe_settings()
    repository = PreferencesRepository(config.email_preferences_table_name, aws.client("dynamodb"))
    return UnsubscribeService(signing_secret(config.unsubscribe_secret_arn), repository, utc_now)


@functools.cache
def mailer() -> Mailer:
    config = mailer_settings()
    dynamodb = aws.client("dynamodb")
    return Mailer(
        MailerConfig(
            sender=config.email_sender,
            configuration_set=config.email_configuration_set,
            app_url=config.app_url.rstrip("/"),
            unsubscribe_url=config.unsubscribe_url,
            secret=signing_secret(config.unsubscribe_secret_arn),
        ),
        ses=aws.client("sesv2"),
        ledger=SendLedger(config.idempotency_table_name, dynamodb),
        preferences=PreferencesRepository(config.email_preferences_table_name, dynamodb),
        owners=OwnerDirectory(config.user_pool_id, aws.client("cognito-idp")),
        clock=utc_now,
    )

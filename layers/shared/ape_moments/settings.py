"""Each function family's configuration: a pydantic model of the environment template.yaml sets.

Validated once, when the function starts (its handler module asks its wiring for it at import):
a missing or malformed variable fails the cold start with the variable's name, never a request,
so use cases receive their collaborators as required arguments, never None.
"""

from __future__ import annotations

import os
from typing import Annotated, Literal, Self

import pydantic
from pydantic import BaseModel, ConfigDict, Field, model_validator

Required = Annotated[str, Field(min_length=1)]


class ConfigurationError(RuntimeError):
    """The function's environment is not what template.yaml sets: a deployment error."""


class FunctionSettings(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")

    @classmethod
    def from_environment(cls) -> Self:
        try:
            return cls.model_validate(dict(os.environ))
        except pydantic.ValidationError as error:
            problem = error.errors(include_url=False, include_input=False)[0]
            name = problem["loc"][0] if problem["loc"] else "environment"  # a model rule names its variables
            if problem["type"] == "missing":
                raise ConfigurationError(f"missing configuration: {name}") from None
            raise ConfigurationError(f"invalid configuration: {name}: {problem['msg']}") from None


class EmailQueueSettings(FunctionSettings):
    """The change-stream consumer's notifications reaction: emails to send go to the email queue."""

    email_queue_url: Required = Field(alias="EMAIL_QUEUE_URL")


class MediaUrlSettings(FunctionSettings):
    """Functions that hand out read URLs (SPEC 16): CloudFront signed URLs when all three of the
    distribution's base URL, its key pair id and the signing key's secret are set (the template
    sets them for every such function); S3 presigned GETs when none is (tests, tools)."""

    media_bucket_name: Required = Field(alias="MEDIA_BUCKET_NAME")
    # SPEC 7, 8, 16: read URLs live 15 minutes by default, configurable up to an hour.
    photo_url_expires_in: int = Field(900, ge=60, le=3600, alias="PHOTO_URL_EXPIRES_IN")
    media_url_base: str | None = Field(None, min_length=1, pattern=r"^https?://", alias="MEDIA_URL_BASE")
    media_key_pair_id: str | None = Field(None, min_length=1, alias="MEDIA_KEY_PAIR_ID")
    media_signing_key_secret: str | None = Field(None, min_length=1, alias="MEDIA_SIGNING_KEY_SECRET")

    @model_validator(mode="after")
    def _all_or_none(self) -> Self:
        given = [self.media_url_base, self.media_key_pair_id, self.media_signing_key_secret]
        if any(given) and not all(given):
            raise ValueError("MEDIA_URL_BASE, MEDIA_KEY_PAIR_ID and MEDIA_SIGNING_KEY_SECRET go together")
        return self


class OrdersSettings(FunctionSettings):
    """getOrder, listOrders, updateOrderStatus, the dead-letter function."""

    orders_table_name: Required = Field(alias="ORDERS_TABLE_NAME")


class IdempotentOrdersSettings(OrdersSettings):
    """createOrder and the order worker: idempotency records (create keys, charges)."""

    idempotency_table_name: Required = Field(alias="IDEMPOTENCY_TABLE_NAME")


class OrderSourcesSettings(IdempotentOrdersSettings):
    """createOrder: checks each item's source (SPEC 9) in the Photos, Collages and Albums tables."""

    photos_table_name: Required = Field(alias="PHOTOS_TABLE_NAME")
    collages_table_name: Required = Field(alias="COLLAGES_TABLE_NAME")
    albums_table_name: Required = Field(alias="ALBUMS_TABLE_NAME")


class PaymentSettings(FunctionSettings):
    """The payment provider (SPEC 12): ``sandbox``, or ``stripe`` with its secret key in Secrets Manager.

    Only the secret's ARN is configuration; the key itself is read from Secrets Manager when the
    provider is first built and never enters the environment. ``STRIPE_API_BASE`` points the SDK
    at a local emulator (the local stack's localstripe); unset, the SDK talks to Stripe.
    """

    payment_provider: Literal["sandbox", "stripe"] = Field(alias="PAYMENT_PROVIDER")
    # Set by the template for every payment function whatever the provider (the secret exists either way).
    stripe_secret_key_arn: Required = Field(alias="STRIPE_SECRET_KEY_ARN")
    stripe_api_base: str | None = Field(None, alias="STRIPE_API_BASE")


class OrderFulfilmentSettings(OrderSourcesSettings, PaymentSettings):
    """The order worker: checks the sources again, copies their files under fulfillment/."""

    media_bucket_name: Required = Field(alias="MEDIA_BUCKET_NAME")


class OrderReadSettings(OrdersSettings, MediaUrlSettings):
    """getOrder, listOrders: DIGITAL_DOWNLOAD copies' URLs made when read (15 minutes by default)."""


class OrderSubmissionSettings(OrdersSettings):
    """processOrder: hands orders to the worker through the queue."""

    order_queue_url: Required = Field(alias="ORDER_QUEUE_URL")


class ProcessOrderSettings(OrderSubmissionSettings):
    """processOrder: with Stripe, an order needs an authorized payment first."""

    payment_provider: Literal["sandbox", "stripe"] = Field(alias="PAYMENT_PROVIDER")


class CheckoutSettings(OrderSubmissionSettings, PaymentSettings):
    """checkoutOrder: the payment, the sources checked first, processing started on authorization."""

    stripe_publishable_key: Required = Field(alias="STRIPE_PUBLISHABLE_KEY")  # handed to Stripe.js

    photos_table_name: Required = Field(alias="PHOTOS_TABLE_NAME")
    collages_table_name: Required = Field(alias="COLLAGES_TABLE_NAME")
    albums_table_name: Required = Field(alias="ALBUMS_TABLE_NAME")


class PaymentRecordSettings(IdempotentOrdersSettings, PaymentSettings):
    """The order dead-letter function: release a payment (captures and refunds recorded once)."""


class RefundSettings(OrdersSettings, PaymentSettings):
    """refundOrder: one refund per payment, by the provider's idempotency key and the order's condition."""


class PaymentWebhookSettings(PaymentRecordSettings, OrderSubmissionSettings):
    """The provider's webhook: events verified with the signing secret (Secrets Manager), applied once."""

    stripe_webhook_secret_arn: Required = Field(alias="STRIPE_WEBHOOK_SECRET_ARN")


class PaymentReconcileSettings(PaymentRecordSettings, OrderSubmissionSettings):
    """The sweeper's payment reconciliation (SPEC 12): start authorized orders, release FAILED orders' money."""


class SweeperSettings(OrderSubmissionSettings):
    """The stuck-work sweeper: requeues orders through the order queue, or fails them."""

    # Defaults: the template's parameter defaults (the template always sets both).
    stuck_after_minutes: int = Field(30, ge=1, le=1440, alias="STUCK_AFTER_MINUTES")
    max_requeues: int = Field(2, ge=0, le=10, alias="SWEEPER_MAX_REQUEUES")


class MediaSettings(MediaUrlSettings):
    upload_url_expires_in: int = Field(3600, ge=60, le=3600, alias="UPLOAD_URL_EXPIRES_IN")
    # Photo records: deleting an album or collage deletes them; landed uploads write them.
    photos_table_name: Required = Field(alias="PHOTOS_TABLE_NAME")


class AlbumSettings(MediaSettings):
    """The album functions (and presignAlbumUpload, which may lower the upload URL lifetime)."""

    albums_table_name: Required = Field(alias="ALBUMS_TABLE_NAME")


class CollageSettings(MediaSettings):
    collages_table_name: Required = Field(alias="COLLAGES_TABLE_NAME")


class UploadEventsSettings(AlbumSettings, CollageSettings):
    """S3 upload events: album photos and collage images."""


class LiveTablesSettings(FunctionSettings):
    """The subscription resolvers: the three tables whose objects may be followed."""

    orders_table_name: Required = Field(alias="ORDERS_TABLE_NAME")
    albums_table_name: Required = Field(alias="ALBUMS_TABLE_NAME")
    collages_table_name: Required = Field(alias="COLLAGES_TABLE_NAME")


class StatsSettings(FunctionSettings):
    """adminStats and the stats reaction of the change consumer: the Stats table (SPEC 14)."""

    stats_table_name: Required = Field(alias="STATS_TABLE_NAME")


class ChangeStreamSettings(LiveTablesSettings, EmailQueueSettings, StatsSettings):
    """The change stream (every table's stream, one consumer): the tables its records come from,
    and what its reactions hand changes to (the API for live publishing, the render queue, the
    Stats table)."""

    photos_table_name: Required = Field(alias="PHOTOS_TABLE_NAME")
    graphql_url: Required = Field(alias="GRAPHQL_URL")
    render_queue_url: Required = Field(alias="RENDER_QUEUE_URL")


class PhotoSettings(AlbumSettings, CollageSettings):
    """listAlbumPhotos, listCollagePhotos, deletePhoto: URLs presigned at read time."""


class RenderSettings(AlbumSettings, CollageSettings):
    """The renderer and the render dead-letter function: albums, collages, their photos, outputs."""


class EmailPreferencesSettings(FunctionSettings):
    """emailPreferences, setEmailPreferences."""

    email_preferences_table_name: Required = Field(alias="EMAIL_PREFERENCES_TABLE_NAME")


class UnsubscribeSettings(EmailPreferencesSettings):
    """The one-click unsubscribe endpoint: verifies the link's signature, turns emails off."""

    unsubscribe_secret_arn: Required = Field(alias="UNSUBSCRIBE_SECRET_ARN")


class MailerSettings(UnsubscribeSettings):
    """The mailer: signs unsubscribe links, records sends in the idempotency table, sends with SES."""

    idempotency_table_name: Required = Field(alias="IDEMPOTENCY_TABLE_NAME")
    user_pool_id: Required = Field(alias="USER_POOL_ID")
    email_sender: Required = Field(alias="EMAIL_SENDER")
    email_configuration_set: Required = Field(alias="EMAIL_CONFIGURATION_SET")
    app_url: Required = Field(alias="APP_URL")
    unsubscribe_url: Required = Field(alias="UNSUBSCRIBE_URL")


class Settings(
    OrderFulfilmentSettings,
    CheckoutSettings,
    PaymentWebhookSettings,
    PaymentReconcileSettings,
    RefundSettings,
    ProcessOrderSettings,
    OrderReadSettings,
    SweeperSettings,
    UploadEventsSettings,
    PhotoSettings,
    RenderSettings,
    ChangeStreamSettings,
    MailerSettings,
):
    """Every variable some function reads (the template tests check no function sets another)."""

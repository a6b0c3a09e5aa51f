"""The change stream's composition root: which table carries which kind, and every reaction.

One function (template.yaml ``ChangeStreamFunction``) reads the Orders, Albums, Collages and
Photos streams; each record is decoded once (``ape_moments.changes``) and handed to the reactions
below. To add a reaction: write its class (``name``, ``wants``, ``react``; idempotent per
``change_id``) and a factory ``(ChangeStreamSettings) -> Reaction`` in its module of this package,
then add the factory to ``REACTIONS`` (one line). Its environment variables go on
``ChangeStreamSettings`` and on ChangeStreamFunction in template.yaml, with its IAM.

Also the live resolvers' root (who may subscribe): it shares the kinds with live publishing.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping
from typing import Any

from ape_moments import aws
from ape_moments.changes import ChangeConsumer, Reaction, StreamKind
from ape_moments.live.appsync import AppSyncPublisher
from ape_moments.live.service import SubscriptionAccess
from ape_moments.media.albums import Album
from ape_moments.media.collages import Collage
from ape_moments.media.photos import Photo
from ape_moments.media.render_queue import RenderQueue
from ape_moments.media.wiring import items_repository
from ape_moments.models import Kind
from ape_moments.notifications.wiring import notifications
from ape_moments.orders.models import Order
from ape_moments.orders.repository import OrdersRepository
from ape_moments.reactions.live import ALBUM, COLLAGE, ORDER, SUBSCRIPTIONS, LivePublishing
from ape_moments.reactions.render import RenderDispatch
from ape_moments.settings import ChangeStreamSettings, LiveTablesSettings
from ape_moments.stats.wiring import stats_counting

ORDERS = StreamKind(Kind.ORDER, Order)
ALBUMS = StreamKind(Kind.ALBUM, Album)
COLLAGES = StreamKind(Kind.COLLAGE, Collage)
PHOTOS = StreamKind(Kind.PHOTO, Photo)


def live_publishing(config: ChangeStreamSettings) -> Reaction:
    import boto3

    credentials = boto3.session.Session().get_credentials()  # the function's role signs the publish
    region = os.environ.get("AWS_REGION", "us-east-1")
    return LivePublishing(AppSyncPublisher(config.graphql_url, region, credentials))


def render_dispatch(config: ChangeStreamSettings) -> Reaction:
    return RenderDispatch(RenderQueue(config.render_queue_url, aws.client("sqs")))


# Every reaction, in the order they see a change. Register the next one here.
REACTIONS: tuple[Callable[[ChangeStreamSettings], Reaction], ...] = (
    live_publishing,
    render_dispatch,
    notifications,
    stats_counting,  # the owner's figures (SPEC 14, docs/STATS.md)
)


@functools.cache
def change_stream_settings() -> ChangeStreamSettings:
    return ChangeStreamSettings.from_environment()


def kinds_by_table(config: ChangeStreamSettings) -> Mapping[str, StreamKind[Any]]:
    return {
        config.orders_table_name: ORDERS,
        config.albums_table_name: ALBUMS,
        config.collages_table_name: COLLAGES,
        config.photos_table_name: PHOTOS,
    }


@functools.cache
def change_consumer() -> ChangeConsumer:
    config = change_stream_settings()
    return ChangeConsumer(kinds_by_table(config), [build(config) for build in REACTIONS])


# ---- the live resolvers: who may subscribe ----------------------------------------------------------


@functools.cache
def live_tables_settings() -> LiveTablesSettings:
    return LiveTablesSettings.from_environment()


@functools.cache
def subscription_access() -> SubscriptionAccess:
    config = live_tables_settings()
    # Made by the first subscription that reads a table: a customer following their own orders
    # (onOrderUpdated(customerId)), the most common one, is authorized from the token alone.
    dynamodb = aws.lazy_client("dynamodb")
    return SubscriptionAccess(
        SUBSCRIPTIONS,
        {
            ORDER.type_name: OrdersRepository(config.orders_table_name, dynamodb),
            ALBUM.type_name: items_repository(Kind.ALBUM, config.albums_table_name),
            COLLAGE.type_name: items_repository(Kind.COLLAGE, config.collages_table_name),
        },
    )

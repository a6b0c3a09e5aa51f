"""The live-updates family's composition root."""

from __future__ import annotations

import functools
import os

from ape_moments import aws
from ape_moments.live.appsync import AppSyncPublisher
from ape_moments.live.publications import ALBUM, COLLAGE, ORDER
from ape_moments.live.service import StreamPublisher, SubscriptionAccess
from ape_moments.media.album_repository import AlbumsRepository
from ape_moments.media.collage_repository import CollagesRepository
from ape_moments.orders.repository import OrdersRepository
from ape_moments.settings import LiveTablesSettings, PublisherSettings


@functools.cache
def live_tables_settings() -> LiveTablesSettings:
    return LiveTablesSettings.from_environment()


@functools.cache
def publisher_settings() -> PublisherSettings:
    return PublisherSettings.from_environment()


@functools.cache
def subscription_access() -> SubscriptionAccess:
    config = live_tables_settings()
    dynamodb = aws.client("dynamodb")
    return SubscriptionAccess(
        {
            ORDER.type_name: OrdersRepository(config.orders_table_name, dynamodb),
            ALBUM.type_name: AlbumsRepository(config.albums_table_name, dynamodb),
            COLLAGE.type_name: CollagesRepository(config.collages_table_name, dynamodb),
        }
    )


@functools.cache
def stream_publisher() -> StreamPublisher:
    import boto3

    config = publisher_settings()
    credentials = boto3.session.Session().get_credentials()
    sender = AppSyncPublisher(config.graphql_url, os.environ.get("AWS_REGION", "us-east-1"), credentials)
    kinds = {
        config.orders_table_name: ORDER,
        config.albums_table_name: ALBUM,
        config.collages_table_name: COLLAGE,
    }
    return StreamPublisher(kinds, sender)

"""Subscription fields (authorized when a client subscribes) and the publish mutations (echo).

A subscription field's resolver runs once, when the client subscribes; raising refuses the
subscription. The publish mutations are reachable by the publisher's role only (``@aws_iam`` and
its ``appsync:GraphQL`` grant): they hand back what they were given, and AppSync delivers that to
the subscribers whose arguments match.
"""

import json
from typing import Any

from aws_lambda_powertools.event_handler import AppSyncResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from ape_moments.api import current_caller, resolve
from ape_moments.observability import observed
from ape_moments.priming import prime
from ape_moments.reactions.wiring import live_tables_settings, subscription_access

live_tables_settings()  # cold start: a missing or malformed variable fails the init, naming it
app = AppSyncResolver()


def _authorize(field_name: str, arguments: dict[str, Any]) -> None:
    subscription_access().authorize(current_caller(app), field_name, arguments)


@app.resolver(type_name="Subscription", field_name="onOrderUpdated")
def on_order_updated(**arguments: Any) -> None:
    _authorize("onOrderUpdated", arguments)


@app.resolver(type_name="Subscription", field_name="onAlbumUpdated")
def on_album_updated(**arguments: Any) -> None:
    _authorize("onAlbumUpdated", arguments)


@app.resolver(type_name="Subscription", field_name="onCollageUpdated")
def on_collage_updated(**arguments: Any) -> None:
    _authorize("onCollageUpdated", arguments)


def _echo(value: Any) -> Any:
    """AWSJSON arrives as its JSON text (or already parsed): the object goes back as sent."""
    return json.loads(value) if isinstance(value, str) else value


@app.resolver(type_name="Mutation", field_name="publishOrderUpdated")
def publish_order_updated(order: Any) -> Any:
    return _echo(order)


@app.resolver(type_name="Mutation", field_name="publishAlbumUpdated")
def publish_album_updated(album: Any) -> Any:
    return _echo(album)


@app.resolver(type_name="Mutation", field_name="publishCollageUpdated")
def publish_collage_updated(collage: Any) -> Any:
    return _echo(collage)


prime(app)  # SnapStart: imports done before the snapshot, nothing connected


@observed(correlation_id_path=correlation_paths.APPSYNC_RESOLVER)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> Any:
    return resolve(app, event, context)

"""presignAlbumUpload: a presigned PUT for one photo of the caller's album, type and size signed in."""

from typing import Any

from aws_lambda_powertools.event_handler import AppSyncResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from ape_moments.api import resolve
from ape_moments.media.resolvers import presign_resolvers
from ape_moments.media.wiring import item_settings
from ape_moments.models import Kind
from ape_moments.observability import observed
from ape_moments.priming import prime

item_settings(Kind.ALBUM)  # cold start: a missing or malformed variable fails the init, naming it
app = AppSyncResolver()
app.include_router(presign_resolvers(Kind.ALBUM))
prime(app)  # SnapStart: imports done before the snapshot, nothing connected


@observed(correlation_id_path=correlation_paths.APPSYNC_RESOLVER)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> Any:
    return resolve(app, event, context)

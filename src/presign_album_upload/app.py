"""presignAlbumUpload: a presigned PUT for one photo of the caller's album, type and size signed in."""

from typing import Any

from aws_lambda_powertools.event_handler import AppSyncResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from ape_moments.api import current_caller, resolve
from ape_moments.media.wiring import album_service, album_settings
from ape_moments.observability import observed
from ape_moments.priming import prime

album_settings()  # cold start: a missing or malformed variable fails the init, naming it
app = AppSyncResolver()


@app.resolver(type_name="Mutation", field_name="presignAlbumUpload")
def presign_album_upload(**arguments: Any) -> dict[str, Any]:
    return album_service().presign_album_upload(current_caller(app), arguments).to_graphql()


prime(app)  # SnapStart: imports done before the snapshot, nothing connected


@observed(correlation_id_path=correlation_paths.APPSYNC_RESOLVER)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> Any:
    return resolve(app, event, context)

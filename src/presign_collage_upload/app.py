"""presignCollageUpload: a presigned PUT for one image of the caller's collage, type and size signed in."""

from typing import Any

from aws_lambda_powertools.event_handler import AppSyncResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from ape_moments.api import current_caller, resolve
from ape_moments.media.wiring import collage_service, collage_settings
from ape_moments.observability import observed
from ape_moments.priming import prime

collage_settings()  # cold start: a missing or malformed variable fails the init, naming it
app = AppSyncResolver()


@app.resolver(type_name="Mutation", field_name="presignCollageUpload")
def presign_collage_upload(**arguments: Any) -> dict[str, Any]:
    return collage_service().presign_collage_upload(current_caller(app), arguments).to_graphql()


prime(app)  # SnapStart: imports done before the snapshot, nothing connected


@observed(correlation_id_path=correlation_paths.APPSYNC_RESOLVER)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> Any:
    return resolve(app, event, context)

"""Photos: listAlbumPhotos, listCollagePhotos, deletePhoto (URLs presigned when read)."""

from typing import Any

from aws_lambda_powertools.event_handler import AppSyncResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from ape_moments.api import current_caller, resolve
from ape_moments.media.wiring import photo_service, photo_settings
from ape_moments.media_urls import SIGNING_IMPORTS
from ape_moments.observability import observed
from ape_moments.priming import prime

photo_settings()  # cold start: a missing or malformed variable fails the init, naming it
app = AppSyncResolver()


@app.resolver(type_name="Query", field_name="listAlbumPhotos")
def list_album_photos(**arguments: Any) -> dict[str, Any]:
    page = photo_service().list_album_photos(current_caller(app), arguments)
    return {"items": page.items, "nextToken": page.next_token}


@app.resolver(type_name="Query", field_name="listCollagePhotos")
def list_collage_photos(**arguments: Any) -> dict[str, Any]:
    page = photo_service().list_collage_photos(current_caller(app), arguments)
    return {"items": page.items, "nextToken": page.next_token}


@app.resolver(type_name="Mutation", field_name="deletePhoto")
def delete_photo(**arguments: Any) -> dict[str, Any]:
    return photo_service().delete_photo(current_caller(app), arguments)


prime(app, imports=SIGNING_IMPORTS)  # SnapStart: imports done before the snapshot, nothing connected


@observed(correlation_id_path=correlation_paths.APPSYNC_RESOLVER)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> Any:
    return resolve(app, event, context)

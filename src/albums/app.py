"""Albums: createAlbum, getAlbum, listAlbums, updateAlbum, deleteAlbum (deleting removes the photos)."""

from typing import Any

from aws_lambda_powertools.event_handler import AppSyncResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from ape_moments.api import current_caller, resolve
from ape_moments.media.wiring import album_service, album_settings
from ape_moments.media_urls import SIGNING_IMPORTS
from ape_moments.observability import observed
from ape_moments.priming import prime

album_settings()  # cold start: a missing or malformed variable fails the init, naming it
app = AppSyncResolver()


@app.resolver(type_name="Mutation", field_name="createAlbum")
def create_album(**arguments: Any) -> dict[str, Any]:
    service = album_service()
    return service.to_graphql(service.create_album(current_caller(app), arguments))


@app.resolver(type_name="Query", field_name="getAlbum")
def get_album(**arguments: Any) -> dict[str, Any] | None:
    service = album_service()
    album = service.get_album(current_caller(app), arguments)
    return service.to_graphql(album) if album else None


@app.resolver(type_name="Query", field_name="listAlbums")
def list_albums(**arguments: Any) -> dict[str, Any]:
    service = album_service()
    page = service.list_albums(current_caller(app), arguments)
    return {"items": [service.to_graphql(album) for album in page.items], "nextToken": page.next_token}


@app.resolver(type_name="Mutation", field_name="updateAlbum")
def update_album(**arguments: Any) -> dict[str, Any]:
    service = album_service()
    return service.to_graphql(service.update_album(current_caller(app), arguments))


@app.resolver(type_name="Mutation", field_name="deleteAlbum")
def delete_album(**arguments: Any) -> dict[str, Any]:
    # The item as it was: its output went with it, so no URL.
    return album_service().delete_album(current_caller(app), arguments).to_graphql()


prime(app, imports=SIGNING_IMPORTS)  # SnapStart: imports done before the snapshot, nothing connected


@observed(correlation_id_path=correlation_paths.APPSYNC_RESOLVER)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> Any:
    return resolve(app, event, context)

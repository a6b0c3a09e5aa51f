"""Collages: createCollage, getCollage, listCollages, updateCollage, deleteCollage (deleting removes the images)."""

from typing import Any

from aws_lambda_powertools.event_handler import AppSyncResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from ape_moments.api import current_caller, resolve
from ape_moments.media.wiring import collage_service, collage_settings
from ape_moments.media_urls import SIGNING_IMPORTS
from ape_moments.observability import observed
from ape_moments.priming import prime

collage_settings()  # cold start: a missing or malformed variable fails the init, naming it
app = AppSyncResolver()


@app.resolver(type_name="Mutation", field_name="createCollage")
def create_collage(**arguments: Any) -> dict[str, Any]:
    service = collage_service()
    return service.to_graphql(service.create_collage(current_caller(app), arguments))


@app.resolver(type_name="Query", field_name="getCollage")
def get_collage(**arguments: Any) -> dict[str, Any] | None:
    service = collage_service()
    collage = service.get_collage(current_caller(app), arguments)
    return service.to_graphql(collage) if collage else None


@app.resolver(type_name="Query", field_name="listCollages")
def list_collages(**arguments: Any) -> dict[str, Any]:
    service = collage_service()
    page = service.list_collages(current_caller(app), arguments)
    return {"items": [service.to_graphql(collage) for collage in page.items], "nextToken": page.next_token}


@app.resolver(type_name="Mutation", field_name="updateCollage")
def update_collage(**arguments: Any) -> dict[str, Any]:
    service = collage_service()
    return service.to_graphql(service.update_collage(current_caller(app), arguments))


@app.resolver(type_name="Mutation", field_name="deleteCollage")
def delete_collage(**arguments: Any) -> dict[str, Any]:
    # The item as it was: its output went with it, so no URL.
    return collage_service().delete_collage(current_caller(app), arguments).to_graphql()


prime(app, imports=SIGNING_IMPORTS)  # SnapStart: imports done before the snapshot, nothing connected


@observed(correlation_id_path=correlation_paths.APPSYNC_RESOLVER)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> Any:
    return resolve(app, event, context)

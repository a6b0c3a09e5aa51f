"""Collages: createCollage, getCollage, listCollages, updateCollage, deleteCollage (deleting removes the images)."""

from typing import Any

from aws_lambda_powertools.event_handler import AppSyncResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from ape_moments.api import current_caller, logger, resolve
from ape_moments.media.wiring import collage_service, collage_settings

collage_settings()  # cold start: a missing or malformed variable fails the init, naming it
app = AppSyncResolver()


@app.resolver(type_name="Mutation", field_name="createCollage")
def create_collage(**arguments: Any) -> dict[str, Any]:
    return collage_service().create_collage(current_caller(app), arguments).to_graphql()


@app.resolver(type_name="Query", field_name="getCollage")
def get_collage(**arguments: Any) -> dict[str, Any] | None:
    collage = collage_service().get_collage(current_caller(app), arguments)
    return collage.to_graphql() if collage else None


@app.resolver(type_name="Query", field_name="listCollages")
def list_collages(**arguments: Any) -> dict[str, Any]:
    page = collage_service().list_collages(current_caller(app), arguments)
    return {"items": [collage.to_graphql() for collage in page.items], "nextToken": page.next_token}


@app.resolver(type_name="Mutation", field_name="updateCollage")
def update_collage(**arguments: Any) -> dict[str, Any]:
    return collage_service().update_collage(current_caller(app), arguments).to_graphql()


@app.resolver(type_name="Mutation", field_name="deleteCollage")
def delete_collage(**arguments: Any) -> dict[str, Any]:
    return collage_service().delete_collage(current_caller(app), arguments).to_graphql()


@logger.inject_lambda_context(correlation_id_path=correlation_paths.APPSYNC_RESOLVER)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> Any:
    return resolve(app, event, context)

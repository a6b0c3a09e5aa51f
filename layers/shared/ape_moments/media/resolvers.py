"""The media items' resolvers, written once for albums and collages: Powertools' ``Router``, one
per kind and function, included by the kind's handlers (``src/albums``, ``src/collages``,
``src/presign_album_upload``, ``src/presign_collage_upload``). The functions stay two per kind,
each with only its own table and prefix (template.yaml); the code they run is this.

Field names follow the kind: ``createAlbum`` / ``createCollage``, ``listAlbums`` / ``listCollages``.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.graphql_appsync.router import Router

from ape_moments.api import current_caller
from ape_moments.media.wiring import item_service
from ape_moments.models import Kind


def item_resolvers(kind: Kind) -> Router:
    """createX, getX, listXs, updateX, deleteX (deleting removes the photos and rendered files)."""
    router = Router()
    name = kind.type_name

    @router.resolver(type_name="Mutation", field_name=f"create{name}")
    def create(**arguments: Any) -> dict[str, Any]:
        service = item_service(kind)
        return service.to_graphql(service.create(current_caller(router), arguments))

    @router.resolver(type_name="Query", field_name=f"get{name}")
    def get(**arguments: Any) -> dict[str, Any] | None:
        service = item_service(kind)
        item = service.get(current_caller(router), arguments)
        return service.to_graphql(item) if item else None

    @router.resolver(type_name="Query", field_name=f"list{name}s")
    def list_items(**arguments: Any) -> dict[str, Any]:
        service = item_service(kind)
        page = service.list(current_caller(router), arguments)
        return {"items": [service.to_graphql(item) for item in page.items], "nextToken": page.next_token}

    @router.resolver(type_name="Mutation", field_name=f"update{name}")
    def update(**arguments: Any) -> dict[str, Any]:
        service = item_service(kind)
        return service.to_graphql(service.update(current_caller(router), arguments))

    @router.resolver(type_name="Mutation", field_name=f"delete{name}")
    def delete(**arguments: Any) -> dict[str, Any]:
        # The item as it was: its rendered file went with it, so no URL.
        return item_service(kind).delete(current_caller(router), arguments).to_graphql()

    return router


def presign_resolvers(kind: Kind) -> Router:
    """presignXUpload: a presigned PUT for one photo of the caller's item, type and size signed in."""
    router = Router()

    @router.resolver(type_name="Mutation", field_name=f"presign{kind.type_name}Upload")
    def presign_upload(**arguments: Any) -> dict[str, Any]:
        return item_service(kind).presign_upload(current_caller(router), arguments).to_graphql()

    return router

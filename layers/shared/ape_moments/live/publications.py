"""What a table change publishes: the object as its get query returns it, presigned URL fields null.

A change becomes at most one ``Publication``. Pure: the change comes in, the mutation to send goes
out; ``appsync.py`` sends it. A change that does not alter what a client sees (an internal
attribute, a write that set the same values, a removal) publishes nothing.

Domain-free: which kinds exist (orders, albums, collages and their models) is said above the
domains, in ``ape_moments.reactions.live``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ape_moments.models import Kind, StoredModel

# Presigned at read time, per caller (never stored): a broadcast carries none (SPEC section 10).
URL_FIELDS = frozenset({"pdfUrl", "outputImageUrl", "downloadUrl", "url", "thumbnailUrl"})


@dataclass(frozen=True)
class Followed:
    """How a kind's objects are published: the names come from the kind (``Kind.ALBUM``: the
    type ``Album``, its id ``albumId``, the mutation ``publishAlbumUpdated(album: ...)``)."""

    kind: Kind
    model: type[StoredModel]
    url_fields: frozenset[str]  # the type's own URL fields, published as null
    # nullable object fields and their fields, selected even when null (GraphQL needs a selection)
    null_objects: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def type_name(self) -> str:  # the GraphQL type
        return self.kind.type_name

    @property
    def key(self) -> str:  # the table's key attribute, the object's id field and the subscription's id argument
        return self.kind.id_field

    @property
    def mutation(self) -> str:  # the backend-only publish mutation of @aws_subscribe
        return f"publish{self.type_name}Updated"

    @property
    def argument(self) -> str:  # its AWSJSON argument
        return self.kind.value


@dataclass(frozen=True)
class Publication:
    kind: Followed
    payload: dict[str, Any]  # the GraphQL object

    @property
    def document(self) -> str:
        """The publish mutation; its selection carries every field, so AppSync can match the
        subscribers' arguments (customerId, the id) and hand each subscriber what it asked for."""
        return (
            f"mutation Publish($payload: AWSJSON!) {{ {self.kind.mutation}({self.kind.argument}: $payload) "
            f"{selection_set(self.payload, self.kind.null_objects)} }}"
        )

    @property
    def variables(self) -> dict[str, Any]:
        return {"payload": json.dumps(self.payload, separators=(",", ":"))}


def selection_set(value: Mapping[str, Any], null_objects: Mapping[str, tuple[str, ...]] | None = None) -> str:
    """Every field the payload carries. A null object field (an order's ``payment`` before checkout)
    is selected with the fields ``null_objects`` names: GraphQL refuses an object without them."""
    fields = []
    for name, item in value.items():
        if item is None and null_objects and name in null_objects:
            fields.append(f"{name} {{ {' '.join(null_objects[name])} }}")
        elif isinstance(item, Mapping):
            fields.append(f"{name} {selection_set(item)}")
        elif isinstance(item, list) and item and all(isinstance(element, Mapping) for element in item):
            merged: dict[str, Any] = {}
            for element in item:
                merged |= element
            fields.append(f"{name} {selection_set(merged)}")
        elif not isinstance(item, list) or item:
            fields.append(name)
    return "{ " + " ".join(fields) + " }"


def client_view(kind: Followed, item: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The object a get query would return for this stored item, with URL fields null.

    An item without the kind's key is not one of its objects (None); one that has the key but
    does not validate raises, so its record is retried and then set aside, never half-published.
    """
    if not item or kind.key not in item:
        return None
    return view_of(kind, kind.model.model_validate(item))


def view_of(kind: Followed, model: StoredModel | None) -> dict[str, Any] | None:
    """``client_view`` of an object already decoded (a ``Change``'s old or new)."""
    if model is None:
        return None
    graphql: dict[str, Any] = model.to_graphql()  # type: ignore[attr-defined]
    shown: dict[str, Any] = _without_urls(graphql)
    return shown | dict.fromkeys(kind.url_fields)


def _without_urls(value: Any) -> Any:
    if isinstance(value, dict):
        return {name: None if name in URL_FIELDS else _without_urls(item) for name, item in value.items()}
    if isinstance(value, list):
        return [_without_urls(item) for item in value]
    return value


def publication(
    kind: Followed, event_name: str, old: Mapping[str, Any] | None, new: Mapping[str, Any] | None
) -> Publication | None:
    """INSERT and MODIFY publish the new object when what a client sees changed; REMOVE nothing
    (the get query answers null for it: there is no object to match arguments against)."""
    if event_name == "REMOVE":
        return None
    return _publication(kind, event_name, lambda: client_view(kind, old), client_view(kind, new))


def publication_of_models(
    kind: Followed, event_name: str, old: StoredModel | None, new: StoredModel | None
) -> Publication | None:
    """``publication`` of a change already decoded into models (what the change stream hands over)."""
    if event_name == "REMOVE":
        return None
    return _publication(kind, event_name, lambda: view_of(kind, old), view_of(kind, new))


def _publication(
    kind: Followed, event_name: str, before: Callable[[], dict[str, Any] | None], after: dict[str, Any] | None
) -> Publication | None:
    if after is None or (event_name == "MODIFY" and before() == after):
        return None
    return Publication(kind, after)

"""Building blocks of every kind's rules and models: camelCase models, argument types, owners,
and the one state machine type that orders, albums and collages instantiate.

Pure rules, no I/O. A kind's ``StatusRules`` become the condition of one conditional write
(``sources_for``), and explain a write whose condition failed (``refusal``, ``explain``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictInt
from pydantic.alias_generators import to_camel

from ape_moments.caller import Caller
from ape_moments.errors import ApiError, Conflict, Forbidden

# Ids this backend issues are UUIDs; anything outside this shape cannot name one of our objects.
ObjectId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
OwnerId = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9:_-]+$")]
PageLimit = Annotated[StrictInt, Field(ge=1, le=100)]
# A photo's key, albums/{id}/{name} or collages/{id}/{name}: shared vocabulary (media stores
# photos under it, an order item names one). Presign hands out safe names; any one-segment name S3
# reports under an album or collage is still checked (and refused if it is no photo).
PHOTO_KEY = re.compile(r"(?P<parent>(?P<kind>albums|collages)/(?P<item_id>[A-Za-z0-9_-]{1,64})/)(?P<name>[^/]{1,200})")
PhotoKey = Annotated[str, Field(min_length=1, max_length=256, pattern=rf"^{PHOTO_KEY.pattern}$")]


class Kind(StrEnum):
    """The one kind type: what a table holds, a stream carries, a render makes, an order item
    names, a subscription follows. Shared vocabulary (names only, no domain's models): its value
    is the change stream's kind name and the render queue's ``kind``."""

    ORDER = "order"
    ALBUM = "album"
    COLLAGE = "collage"
    PHOTO = "photo"

    @property
    def type_name(self) -> str:
        """The GraphQL type: ``Album``."""
        return self.value.capitalize()

    @property
    def id_field(self) -> str:
        """The table's key attribute and the object's id field: ``albumId`` (a photo's: ``key``)."""
        return "key" if self is Kind.PHOTO else f"{self.value}Id"

    @property
    def prefix(self) -> str:
        """An album's or collage's uploads live under ``albums/{id}/``, ``collages/{id}/``."""
        return f"{self.value}s/"

    @classmethod
    def of_prefix(cls, segment: str) -> Kind:
        """``albums`` (a photo key's first segment) -> ALBUM."""
        return cls(segment.removesuffix("s"))


# Albums and collages: one parameterised kind of media item (``ape_moments.media.items``).
MEDIA_ITEMS = (Kind.ALBUM, Kind.COLLAGE)

# `name` of an album or a collage (SPEC 4: 1 to 100 characters).
Name = Annotated[str, Field(min_length=1, max_length=100)]


class ApiModel(BaseModel):
    """Fields are snake_case in Python and camelCase on the wire and in the tables."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class ListRequest(ApiModel):
    """A listing of a customer's items: whose (admins name them), how many, where to go on."""

    customer_id: OwnerId | None = None
    limit: PageLimit = 20
    next_token: str | None = None


class InputRequest[I: BaseModel](ApiModel):
    """A mutation's arguments in the Amplify style: one ``input`` object."""

    input: I


class StoredModel(ApiModel):
    """An item as stored: attributes the model does not name (internal ones) are ignored."""

    model_config = ApiModel.model_config | {"extra": "ignore"}


# ---- who moves an item from one status to another -----------------------------------------


class Actor(StrEnum):
    OWNER = "owner"  # the customer or guest the item belongs to
    ADMIN = "admin"
    BACKEND = "backend"  # the project's own asynchronous work: order processing, rendering, the sweeper


ANYONE = frozenset(Actor)
PEOPLE = frozenset({Actor.OWNER, Actor.ADMIN})  # the moves a customer makes (an admin may too)
STAFF = frozenset({Actor.ADMIN, Actor.BACKEND})  # the backend's moves (an admin may make them, to repair)


def actor_of(caller: Caller) -> Actor:
    return Actor.ADMIN if caller.is_admin else Actor.OWNER


def owner_condition(caller: Caller) -> str | None:
    """The owner a write must match: the caller's own id, or anyone's for an admin."""
    return None if caller.is_admin else caller.owner_id


@dataclass(frozen=True, slots=True)
class StatusRules[S: StrEnum]:
    """One kind's state machine, plus the statuses in which it takes uploads, edits and deletes."""

    noun: str  # "an order", "an album": how messages name the item
    transitions: Mapping[tuple[S, S], frozenset[Actor]]
    accepts_uploads: frozenset[S] = frozenset()
    content_editable: frozenset[S] = frozenset()
    deletable: frozenset[S] = frozenset()

    def sources_for(self, actor: Actor, target: S) -> frozenset[S]:
        """Statuses from which ``actor`` may move to ``target``."""
        return frozenset(src for (src, dst), actors in self.transitions.items() if dst == target and actor in actors)

    def refusal(self, actor: Actor, current: S, target: S) -> ApiError:
        """The error for a transition ``actor`` may not make from ``current``."""
        allowed = self.transitions.get((current, target))
        if allowed and actor not in allowed:
            return Forbidden(f"status: your role may not move {self.noun} from {current} to {target}")
        return Conflict(f"status: {self.noun} in {current} cannot move to {target}")

    def writable_from(self, actor: Actor, target: S | None, *, changes_content: bool) -> frozenset[S] | None:
        """The statuses an edit (with a move to ``target``, if any) may start from; None: any."""
        allowed = None if target is None else self.sources_for(actor, target)
        if changes_content:
            allowed = self.content_editable if allowed is None else allowed & self.content_editable
        return allowed

    def explain_edit(self, actor: Actor, current: S, target: S | None) -> ApiError:
        """Why an edit of an item in ``current`` (moving it to ``target``, if any) was refused."""
        if target is not None:
            if target == current:
                return Conflict(f"status: {self.noun} is already {current}")
            if current not in self.sources_for(actor, target):
                return self.refusal(actor, current, target)
        return Conflict(f"{self.noun} in {current} can no longer be edited")

    def check_deletable(self, current: S) -> None:
        if current not in self.deletable:
            raise Conflict(f"{self.noun} in {current} cannot be deleted until it is done")

    def check_accepts_uploads(self, current: S) -> None:
        if current not in self.accepts_uploads:
            raise Conflict(f"{self.noun} in {current} takes no uploads")

"""What a stored album and a stored collage have in common: an owner, a prefix, a status."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field

from ape_moments.models import ApiModel

# `name` of an album or a collage (SPEC 4: 1 to 100 characters).
Name = Annotated[str, Field(min_length=1, max_length=100)]


class OwnedMedia(ApiModel):
    # Items may hold internal attributes (an album's uploadedPhotos); the model ignores them.
    model_config = ApiModel.model_config | {"extra": "ignore"}

    customer_id: str
    name: str
    s3_prefix: str
    status: StrEnum  # AlbumStatus or CollageStatus in the subclasses
    created_at: str
    updated_at: str

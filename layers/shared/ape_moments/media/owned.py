"""What a stored album and a stored collage have in common: an owner, a prefix, a status."""

from __future__ import annotations

from enum import StrEnum

from ape_moments.models import ApiModel


class OwnedMedia(ApiModel):
    # Items may hold internal attributes (an album's uploadedPhotos); the model ignores them.
    model_config = ApiModel.model_config | {"extra": "ignore"}

    customer_id: str
    name: str
    s3_prefix: str
    status: StrEnum  # AlbumStatus or CollageStatus in the subclasses
    created_at: str
    updated_at: str

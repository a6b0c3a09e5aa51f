"""The upload pipeline's composition root: only the upload events function (which has the
imaging layer) imports this module, so the API functions never load Pillow."""

from __future__ import annotations

import functools

from ape_moments import aws
from ape_moments.media.photo_pipeline import PhotoPipeline
from ape_moments.media.wiring import photo_parents, photos_repository, storage, upload_events_settings


@functools.cache
def upload_pipeline() -> PhotoPipeline:
    config = upload_events_settings()
    return PhotoPipeline(photos_repository(config), photo_parents(config), storage(config), aws.client("dynamodb"))

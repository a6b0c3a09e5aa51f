"""S3 ObjectCreated under albums/ and collages/: the upload pipeline (docs/MEDIA.md, docs/IMAGING.md).

Each landed object is decoded and becomes a photo (record, thumbnail, the album's imageCount), or
is refused and deleted. S3 invokes asynchronously and may deliver an event more than once; every
step is idempotent, so an error is simply raised and Lambda's retry is safe.
"""

from typing import Any

from aws_lambda_powertools.utilities.data_classes import S3Event
from aws_lambda_powertools.utilities.typing import LambdaContext

from ape_moments.media.photo_pipeline import LandedObject
from ape_moments.media.pipeline_wiring import upload_pipeline
from ape_moments.media.wiring import upload_events_settings
from ape_moments.observability import logger, observed

upload_events_settings()  # cold start: a missing or malformed variable fails the init, naming it


@observed
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> None:
    if "Records" not in event:  # s3:TestEvent, sent once when the notification is configured
        logger.info("event without records; ignored", event_kind=event.get("Event"))
        return
    for record in S3Event(event).records:
        if record.event_name.startswith("ObjectCreated:"):
            landed = record.s3.get_object
            upload_pipeline().photo_landed(
                LandedObject(
                    bucket=record.s3.bucket.name,
                    raw_key=landed.key,
                    version_id=landed.version_id,
                    size=landed.size,
                    event_time=record.event_time,
                )
            )

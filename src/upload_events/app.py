"""S3 ObjectCreated under albums/ and collages/.

Album photos: keep each album's imageCount, once per photo. Either prefix: a file that lands
after its album or collage was deleted is removed. S3 invokes asynchronously and may deliver an
event more than once; both are idempotent (see AlbumsRepository.count_photo), so an error is
simply raised and Lambda's retry is safe.
"""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes import S3Event
from aws_lambda_powertools.utilities.typing import LambdaContext

from ape_moments.media.albums import ALBUMS_PREFIX
from ape_moments.media.wiring import album_service, collage_service, upload_events_settings

upload_events_settings()  # cold start: a missing or malformed variable fails the init, naming it
logger = Logger()


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> None:
    if "Records" not in event:  # s3:TestEvent, sent once when the notification is configured
        logger.info("event without records; ignored", event_kind=event.get("Event"))
        return
    for record in S3Event(event).records:
        if record.event_name.startswith("ObjectCreated:"):
            landed = record.s3.get_object
            if landed.key.startswith(ALBUMS_PREFIX):
                album_service().photo_landed(record.s3.bucket.name, landed.key, landed.version_id)
            else:
                collage_service().image_landed(record.s3.bucket.name, landed.key, landed.version_id)

"""S3 ObjectCreated under albums/: keep each album's imageCount, once per photo.

S3 invokes asynchronously and may deliver an event more than once; counting is idempotent
(see AlbumsRepository.count_photo), so an error is simply raised and Lambda's retry is safe.
"""


from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes import S3Event, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from ape_moments.media.wiring import album_service

logger = Logger()


@logger.inject_lambda_context
@event_source(data_class=S3Event)
def lambda_handler(event: S3Event, context: LambdaContext) -> None:
    for record in event.records:
        if not record.event_name.startswith("ObjectCreated:"):
            continue
        album_service().photo_landed(record.s3.bucket.name, record.s3.get_object.key, record.s3.get_object.version_id)

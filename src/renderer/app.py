"""Renderer: a queued render request becomes the collage's JPEG or the album's PDF (SPEC 8).

One request a batch (the event source's BatchSize is 1: a render takes seconds to minutes). A
request that raises is retried by the queue, then dead-lettered; the dead-letter function moves
the item out of PROCESSING. RendersCompleted, RendersFailed, RenderDuration: the metric
contract, docs/OPERATIONS.md.
"""

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from ape_moments.media.render_wiring import render_settings, renderer
from ape_moments.media.renders import RenderRequest
from ape_moments.observability import logger, observed

render_settings()  # cold start: a missing or malformed variable fails the init, naming it
# Report failures per message even when all fail: each message is retried on its own.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def render_record(record: SQSRecord) -> None:
    request = RenderRequest.model_validate_json(record.body)
    logger.append_keys(
        kind=request.kind.value, item_id=request.id, receive_count=record.attributes.approximate_receive_count
    )
    renderer().render(request)


@observed
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=render_record, processor=processor, context=context)

"""Render dead letters: a render the renderer kept failing on (crash, timeout) ends with an error:
a collage FAILED, an album back to READY, each with errorMessage. Never stuck in PROCESSING."""

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from ape_moments import metrics
from ape_moments.media.render_wiring import dead_letters, render_settings
from ape_moments.media.renders import RenderRequest
from ape_moments.observability import logger, observed

render_settings()  # cold start: a missing or malformed variable fails the init, naming it
# Report failures per message even when all fail: each message is retried on its own.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def give_up(record: SQSRecord) -> None:
    request = RenderRequest.model_validate_json(record.body)
    logger.error("render dead-lettered", kind=request.kind.value, item_id=request.id)
    if dead_letters().give_up(request):
        metrics.render_given_up(request.id)


@observed
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=give_up, processor=processor, context=context)

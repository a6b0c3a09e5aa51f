"""Order worker: processes queued orders; a failed message is retried, then dead-lettered."""

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from ape_moments.observability import logger, observed
from ape_moments.orders.processing import ProcessingMessage
from ape_moments.orders.wiring import order_fulfilment_settings, order_processor

order_fulfilment_settings()  # cold start: a missing or malformed variable fails the init, naming it
# Report failures per message even when all fail: each message is retried on its own.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def process_record(record: SQSRecord) -> None:
    message = ProcessingMessage.model_validate_json(record.body)
    logger.append_keys(order_id=message.orderId, receive_count=record.attributes.approximate_receive_count)
    order_processor().process(message.orderId)


@observed
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    order_processor().register_lambda_context(context)
    return process_partial_response(event=event, record_handler=process_record, processor=processor, context=context)

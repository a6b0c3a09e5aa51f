"""Dead-letter handler: an order whose processing kept failing ends FAILED, with the reason."""

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from ape_moments.observability import logger, observed
from ape_moments.orders.processing import ProcessingMessage
from ape_moments.orders.wiring import dead_letters, payment_record_settings

payment_record_settings()  # cold start: a missing or malformed variable fails the init, naming it
# Report failures per message even when all fail: each message is retried on its own.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def fail_order(record: SQSRecord) -> None:
    message = ProcessingMessage.model_validate_json(record.body)
    logger.error("order processing dead-lettered", order_id=message.orderId)
    dead_letters().give_up(message.orderId)


@observed
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    dead_letters().register_lambda_context(context)
    return process_partial_response(event=event, record_handler=fail_order, processor=processor, context=context)

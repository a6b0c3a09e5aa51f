"""Mailer: email-queue messages become emails (SES v2), once per (change, kind).

A message that fails (SES throttled past the client's retries, down, or another mailer still
holding the email's claim) is reported alone and retried by the queue, then dead-lettered.
"""

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from ape_moments.notifications.rules import Notice
from ape_moments.notifications.wiring import mailer, mailer_settings
from ape_moments.observability import logger, observed

mailer_settings()  # cold start: a missing or malformed variable fails the init, naming it
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def process_record(record: SQSRecord) -> None:
    notice = Notice.model_validate_json(record.body)
    logger.append_keys(change_id=notice.change_id, email_kind=notice.kind.value)
    mailer().deliver(notice)


@observed
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=process_record, processor=processor, context=context)

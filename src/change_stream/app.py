"""The change stream: every table's stream records, decoded once, handed to the reactions.

Reads the Orders, Albums, Collages and Photos streams (template.yaml ``ChangeStreamFunction``);
the reactions (live publishing, render dispatch, ...) are registered in
``ape_moments.reactions.wiring``. A record that any reaction failed on is reported as the batch's
item failure: Lambda retries from it (order per shard kept), bisects, and after its bounded
retries describes the batch to the on-failure queue (alarmed).
"""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from ape_moments.observability import logger, observed
from ape_moments.reactions.wiring import change_consumer, change_stream_settings

change_stream_settings()  # cold start: a missing or malformed variable fails the init, naming it


@observed
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    outcome = change_consumer().handle(event.get("Records", []))
    for failure in outcome.failures:
        logger.warning(
            "a reaction failed; the batch is retried from the failed record",
            reaction=failure.reaction,
            sequence=failure.sequence,
            reason=failure.error,
        )
    return {"batchItemFailures": outcome.batch_item_failures}

"""The subscription publisher: the tables' stream records -> the backend-only publish mutations (SigV4)."""

from typing import Any

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from ape_moments.api import logger
from ape_moments.live.wiring import publisher_settings, stream_publisher

publisher_settings()  # cold start: a missing or malformed variable fails the init, naming it
metrics = Metrics()


@metrics.log_metrics
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    outcome = stream_publisher().handle(event["Records"])
    if outcome.published:
        metrics.add_metric(name="SubscriptionsPublished", unit=MetricUnit.Count, value=outcome.published)
    if outcome.error:
        logger.warning("publishing failed; the batch is retried from the failed record", reason=outcome.error)
    return {"batchItemFailures": outcome.failures}

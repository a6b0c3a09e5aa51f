"""Sweeper: on a schedule, requeues or fails orders stuck in PROCESSING past the limit."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from ape_moments import metrics
from ape_moments.api import logger
from ape_moments.orders.wiring import payment_reconcile_settings, payment_reconciliation
from ape_moments.sweeper import sweeper, sweeper_settings

payment_reconcile_settings()
sweeper_settings()  # cold start: a missing or malformed variable fails the init, naming it


@logger.inject_lambda_context
@metrics.instrumented
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, dict[str, int]]:
    # The scheduler's event carries nothing the sweep needs: every run looks at the tables as they are.
    report = sweeper().sweep()
    report["payment"] = payment_reconciliation().run()  # SPEC 12 (orders/reconcile.py)
    logger.info("sweep done", report=report)
    return report

"""Sweeper: on a schedule, requeues or fails orders stuck in PROCESSING past the limit."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from ape_moments.jobs.sweeper import sweeper, sweeper_settings
from ape_moments.observability import logger, observed
from ape_moments.orders.wiring import payment_reconcile_settings, payment_reconciliation

payment_reconcile_settings()
sweeper_settings()  # cold start: a missing or malformed variable fails the init, naming it


@observed
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, dict[str, int]]:
    # The scheduler's event carries nothing the sweep needs: every run looks at the tables as they are.
    report = sweeper().sweep()
    reconciliation = payment_reconciliation()
    reconciliation.register_lambda_context(context)
    report["payment"] = reconciliation.run()  # SPEC 12 (orders/reconcile.py)
    logger.info("sweep done", report=report)
    return report

"""processOrder: move the order to PROCESSING and queue it for the worker; returns at once."""

from typing import Any

from aws_lambda_powertools.event_handler import AppSyncResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from ape_moments import priming
from ape_moments.api import current_caller, resolve
from ape_moments.observability import observed
from ape_moments.orders.models import Order, ProcessOrderRequest
from ape_moments.orders.wiring import order_submission, order_submission_settings

order_submission_settings()  # cold start: a missing or malformed variable fails the init, naming it
app = AppSyncResolver()


@app.resolver(type_name="Mutation", field_name="processOrder")
def process_order(**arguments: Any) -> dict[str, Any]:
    return order_submission().process_order(current_caller(app), arguments).to_graphql()


priming.prime(app, ProcessOrderRequest, Order)  # SnapStart: built before the snapshot, nothing connected


@observed(correlation_id_path=correlation_paths.APPSYNC_RESOLVER)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> Any:
    return resolve(app, event, context)

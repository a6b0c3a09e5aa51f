"""updateOrderStatus: one conditional write per transition, by the caller's role."""

from typing import Any

from aws_lambda_powertools.event_handler import AppSyncResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from ape_moments import priming
from ape_moments.api import current_caller, resolve
from ape_moments.observability import observed
from ape_moments.orders.models import Order, UpdateOrderStatusRequest
from ape_moments.orders.wiring import order_service, orders_settings

orders_settings()  # cold start: a missing or malformed variable fails the init, naming it
app = AppSyncResolver()


@app.resolver(type_name="Mutation", field_name="updateOrderStatus")
def update_order_status(**arguments: Any) -> dict[str, Any]:
    return order_service().update_order_status(current_caller(app), arguments).to_graphql()


priming.prime(app, UpdateOrderStatusRequest, Order)  # SnapStart: built before the snapshot, nothing connected


@observed(correlation_id_path=correlation_paths.APPSYNC_RESOLVER)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> Any:
    return resolve(app, event, context)

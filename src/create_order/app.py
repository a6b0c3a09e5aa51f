"""createOrder: price the items from the catalog and store a PENDING order."""

from typing import Any

from aws_lambda_powertools.event_handler import AppSyncResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from ape_moments import priming
from ape_moments.api import current_caller, resolve
from ape_moments.observability import observed
from ape_moments.orders.models import CreateOrderRequest, Order
from ape_moments.orders.wiring import order_creation, order_creation_settings

order_creation_settings()  # cold start: a missing or malformed variable fails the init, naming it
app = AppSyncResolver()


@app.resolver(type_name="Mutation", field_name="createOrder")
def create_order(**arguments: Any) -> dict[str, Any]:
    return order_creation().create_order(current_caller(app), arguments, app.lambda_context).to_graphql()


# SnapStart: built before the snapshot, nothing connected; keyed requests need the idempotency utility
priming.prime(app, CreateOrderRequest, Order, imports=["aws_lambda_powertools.utilities.idempotency"])


@observed(correlation_id_path=correlation_paths.APPSYNC_RESOLVER)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> Any:
    return resolve(app, event, context)

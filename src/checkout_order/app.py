"""checkoutOrder: give a PENDING order its payment, confirm it, start processing once authorized."""

from typing import Any

from aws_lambda_powertools.event_handler import AppSyncResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from ape_moments import priming
from ape_moments.api import current_caller, resolve
from ape_moments.observability import observed
from ape_moments.orders.models import CheckoutOrderRequest, Order
from ape_moments.orders.wiring import checkout_settings, order_checkout

checkout_settings()  # cold start: a missing or malformed variable fails the init, naming it
app = AppSyncResolver()


@app.resolver(type_name="Mutation", field_name="checkoutOrder")
def checkout_order(**arguments: Any) -> dict[str, Any]:
    return order_checkout().checkout_order(current_caller(app), arguments).to_graphql()


priming.prime(
    app, CheckoutOrderRequest, Order
)  # SnapStart: built before the snapshot, nothing connected, no secret read


@observed(correlation_id_path=correlation_paths.APPSYNC_RESOLVER)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> Any:
    return resolve(app, event, context)

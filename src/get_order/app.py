"""getOrder: the caller's order (any order for admins); someone else's is null."""

from typing import Any

from aws_lambda_powertools.event_handler import AppSyncResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from ape_moments import priming
from ape_moments.api import current_caller, resolve
from ape_moments.media_urls import SIGNING_IMPORTS
from ape_moments.observability import observed
from ape_moments.orders.models import GetOrderRequest, Order
from ape_moments.orders.wiring import order_read_settings, order_reads

order_read_settings()  # cold start: a missing or malformed variable fails the init, naming it
app = AppSyncResolver()


@app.resolver(type_name="Query", field_name="getOrder")
def get_order(**arguments: Any) -> dict[str, Any] | None:
    service = order_reads()
    order = service.get_order(current_caller(app), arguments)
    return service.to_graphql(order) if order else None


priming.prime(app, GetOrderRequest, Order, imports=SIGNING_IMPORTS)  # SnapStart: nothing connected


@observed(correlation_id_path=correlation_paths.APPSYNC_RESOLVER)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> Any:
    return resolve(app, event, context)

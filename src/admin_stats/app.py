"""adminStats: the owner's figures for a range of UTC days (admins only; SPEC 14)."""

from typing import Any

from aws_lambda_powertools.event_handler import AppSyncResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from ape_moments import priming
from ape_moments.api import current_caller, resolve
from ape_moments.observability import observed
from ape_moments.stats.service import StatsRequest
from ape_moments.stats.wiring import stats_service, stats_settings

stats_settings()  # cold start: a missing or malformed variable fails the init, naming it
app = AppSyncResolver()


@app.resolver(type_name="Query", field_name="adminStats")
def admin_stats(**arguments: Any) -> dict[str, Any]:
    return stats_service().admin_stats(current_caller(app), arguments)


priming.prime(app, StatsRequest)  # SnapStart: built before the snapshot, nothing connected


@observed(correlation_id_path=correlation_paths.APPSYNC_RESOLVER)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> Any:
    return resolve(app, event, context)

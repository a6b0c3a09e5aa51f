"""emailPreferences and setEmailPreferences: a signed-in customer's email switch (SPEC 13)."""

from typing import Any

from aws_lambda_powertools.event_handler import AppSyncResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from ape_moments import priming
from ape_moments.api import current_caller, resolve
from ape_moments.errors import ValidationError
from ape_moments.notifications.wiring import preferences_service, preferences_settings
from ape_moments.observability import observed

preferences_settings()  # cold start: a missing or malformed variable fails the init, naming it
app = AppSyncResolver()


@app.resolver(type_name="Query", field_name="emailPreferences")
def email_preferences() -> dict[str, Any]:
    return preferences_service().get(current_caller(app))


@app.resolver(type_name="Mutation", field_name="setEmailPreferences")
def set_email_preferences(orderEmails: Any = None) -> dict[str, Any]:  # noqa: N803 - the GraphQL argument
    if not isinstance(orderEmails, bool):
        raise ValidationError("orderEmails: must be true or false")
    return preferences_service().set(current_caller(app), orderEmails)


priming.prime(app)  # SnapStart: built before the snapshot, nothing connected


@observed(correlation_id_path=correlation_paths.APPSYNC_RESOLVER)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> Any:
    return resolve(app, event, context)

"""What every AppSync handler shares: the caller, and the error boundary (it logs through the
one Logger, ``ape_moments.observability``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ape_moments.caller import Caller, caller_from_identity
from ape_moments.errors import ApiError, InternalError
from ape_moments.observability import logger

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import AppSyncResolver
    from aws_lambda_powertools.event_handler.graphql_appsync.router import Router
    from aws_lambda_powertools.utilities.typing import LambdaContext


def current_caller(app: Router) -> Caller:
    """Who made the request ``app`` (a resolver, or a Router included in one) is resolving."""
    return caller_from_identity(app.current_event.get("identity") if app.current_event else None)


def resolve(app: AppSyncResolver, event: dict[str, Any], context: LambdaContext) -> Any:
    """Run the field's resolver; let typed errors through, hide everything else.

    The exception's class name becomes the client's ``errorType``, so only ApiError subclasses
    may escape. An unexpected error is logged with its stack trace and the request id, and the
    client gets a generic InternalError that carries the same id for support.
    """
    field = f"{event.get('info', {}).get('parentTypeName')}.{event.get('info', {}).get('fieldName')}"
    logger.append_keys(field=field)
    try:
        return app.resolve(event, context)
    except ApiError as error:
        logger.info("request refused", error_type=type(error).__name__, reason=error.message)
        raise
    except Exception:
        logger.exception("unexpected error")
        raise InternalError(f"An internal error occurred; reference {context.aws_request_id}") from None

"""Errors a client may see.

AppSync copies a direct Lambda resolver's error type (the exception's class name) into the
GraphQL error's ``errorType``, so each class is named exactly as SPEC section 2 names it.
Anything that is not an ``ApiError`` becomes ``InternalError`` in ``ape_moments.api``.
"""


class ApiError(Exception):
    """Base class: the message is shown to the client, so it never carries AWS details."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(ApiError):
    """Bad input; the message names the offending argument or field."""


class NotFound(ApiError):  # noqa: N818
    """The object does not exist or is not the caller's."""


class Forbidden(ApiError):  # noqa: N818
    """The caller's role may not do this."""


class Conflict(ApiError):  # noqa: N818
    """Illegal transition, lost race, or idempotency key reused with another payload."""


class InternalError(ApiError):
    """Anything unexpected; details go to the logs only."""

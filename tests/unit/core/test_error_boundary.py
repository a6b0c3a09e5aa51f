"""Errors reach the client typed, and nothing internal leaks (SPEC 2)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from ape_moments import errors
from ape_moments.orders.repository import OrdersRepository
from tests.conftest import call


def test_error_class_names_are_the_spec_error_types() -> None:
    names = {cls.__name__ for cls in errors.ApiError.__subclasses__()}
    assert names == {"ValidationError", "NotFound", "Forbidden", "Conflict", "InternalError"}


def test_unexpected_failure_becomes_a_generic_internal_error(
    aws: Any, customer: dict[str, Any], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from botocore.exceptions import ClientError

    def throttled(self: OrdersRepository, order_id: str) -> None:
        raise ClientError(
            {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "Table OrdersTable throttled"}},
            "GetItem",
        )

    monkeypatch.setattr(OrdersRepository, "get", throttled)
    with caplog.at_level(logging.ERROR), pytest.raises(errors.InternalError) as failed:
        call("getOrder", {"orderId": "order-abc-not-to-leak"}, customer)
    message = failed.value.message
    assert message.startswith("An internal error occurred; reference ")
    for secret in ("OrdersTable", "Throughput", "GetItem", "Traceback", "order-abc-not-to-leak"):
        assert secret not in message
    assert failed.value.__cause__ is None  # not chained to the AWS error
    assert failed.value.__suppress_context__


def test_missing_identity_is_forbidden(aws: Any) -> None:
    with pytest.raises(errors.Forbidden):
        call("getOrder", {"orderId": "abc"}, None)

"""Live updates in the layer: who may subscribe (pure rules, then the resolver against moto's
tables), what a stream record publishes, and the publisher's in-order batch handling."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from ape_moments.caller import Caller, Role
from ape_moments.changes import ChangeConsumer
from ape_moments.errors import Forbidden, NotFound, ValidationError
from ape_moments.live.access import SubscriptionRequest, check_owner, check_scope
from ape_moments.live.publications import Publication, publication, selection_set
from ape_moments.reactions.live import ALBUM, ORDER, LivePublishing
from ape_moments.reactions.wiring import ORDERS
from tests.conftest import EVENTS, call, cognito_identity, owner_of
from tests.unit.orders.helpers import seed_order

OWNER = Caller(Role.CUSTOMER, "owner-1")
GUEST = Caller(Role.GUEST, "us-east-1:guest-1")
ADMIN = Caller(Role.ADMIN, "admin-1")
SAMPLE = json.loads((EVENTS / "change_stream.json").read_text())


# ---- the rules (SPEC 10) -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("caller", "customer_id", "object_id", "outcome"),
    [
        (OWNER, "owner-1", None, "allowed"),
        (OWNER, None, "o-1", "owner check"),
        (OWNER, "owner-1", "o-1", "owner check"),
        (GUEST, "us-east-1:guest-1", None, "allowed"),
        (OWNER, None, None, ValidationError),
        (OWNER, "someone-else", None, Forbidden),
        (OWNER, "someone-else", "o-1", Forbidden),
        (OWNER, "", None, ValidationError),
        (OWNER, None, " ", ValidationError),
        (ADMIN, None, None, "allowed"),
        (ADMIN, "someone-else", "o-9", "allowed"),  # admins: anything, no lookup
    ],
)
def test_scope_rules(caller: Caller, customer_id: str | None, object_id: str | None, outcome: Any) -> None:
    request = SubscriptionRequest(customer_id, object_id, "orderId")
    if isinstance(outcome, type):
        with pytest.raises(outcome):
            check_scope(caller, request)
    else:
        assert check_scope(caller, request) is (outcome == "owner check")


def test_owner_rule_reads_someone_elses_object_as_missing() -> None:
    request = SubscriptionRequest(None, "o-1", "orderId")
    check_owner(OWNER, request, "owner-1")
    check_owner(ADMIN, request, "owner-1")
    for owner in (None, "owner-2"):
        with pytest.raises(NotFound, match="orderId"):
            check_owner(OWNER, request, owner)


# ---- what a record publishes ---------------------------------------------------------------------------


def _record(event_name: str = "MODIFY", **changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = copy.deepcopy(SAMPLE["Records"][0])
    record["eventName"] = event_name
    record["dynamodb"]["NewImage"].update(changes)
    return record


def _images(record: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    from ape_moments.table import from_item

    images = record["dynamodb"]
    old, new = images.get("OldImage"), images.get("NewImage")
    return (from_item(old) if old else None, from_item(new) if new else None)


def test_a_status_change_publishes_the_object_as_get_returns_it() -> None:
    found = publication(ORDER, "MODIFY", *_images(_record()))
    assert found is not None
    assert found.payload["status"] == "PROCESSING"
    assert found.payload["expiresAt"] is None
    # Every field of the item as getOrder returns it; a broadcast carries no URL (downloadUrl null).
    assert found.payload["items"] == [
        {"sku": "PRINT_4X6", "quantity": 12, "unitPrice": 0.5, "lineTotal": 6.0}
        | {"photoKey": None, "collageId": None, "albumId": None, "downloadUrl": None}
    ]
    assert found.payload["totalPrice"] == 6.0
    # The selection carries every field, so AppSync can match customerId and orderId.
    assert "publishOrderUpdated(order: $payload)" in found.document
    assert "items { sku quantity unitPrice lineTotal photoKey collageId albumId downloadUrl }" in found.document
    for field in ("orderId", "customerId", "status", "updatedAt", "errorMessage"):
        assert f" {field}" in found.document
    assert json.loads(found.variables["payload"]) == found.payload


def test_changes_a_client_cannot_see_are_not_published() -> None:
    internal = _record(paymentId={"S": "pay-1"})
    internal["dynamodb"]["OldImage"] = copy.deepcopy(internal["dynamodb"]["NewImage"])
    del internal["dynamodb"]["OldImage"]["paymentId"]
    assert publication(ORDER, "MODIFY", *_images(internal)) is None
    assert publication(ORDER, "REMOVE", *_images(_record("REMOVE"))) is None
    assert publication(ORDER, "INSERT", None, {"somethingElse": "x"}) is None  # not an order item


def test_presigned_url_fields_are_null() -> None:
    album = {
        "albumId": "a-1", "customerId": "c-1", "name": "N", "s3Prefix": "albums/a-1/", "imageCount": 2,
        "status": "COMPLETED", "createdAt": "2026-11-24T10:00:00.000Z", "updatedAt": "2026-11-24T10:00:00.000Z",
    }  # fmt: skip
    found = publication(ALBUM, "INSERT", None, album)
    assert found is not None
    assert found.payload["pdfUrl"] is None
    assert "pdfUrl" in found.document


def test_selection_sets_nest_objects_and_lists() -> None:
    assert selection_set({"a": 1, "b": {"c": 2}, "d": [{"e": 1}, {"f": 2}], "g": []}) == "{ a b { c } d { e f } }"


# ---- the publisher: in order, stops at the first failure ------------------------------------------------


class Sender:
    def __init__(self, fail_on: str | None = None) -> None:
        self.sent: list[Publication] = []
        self._fail_on = fail_on

    def publish(self, publication: Publication) -> None:
        if publication.payload["status"] == self._fail_on:
            raise RuntimeError("AppSync unavailable")
        self.sent.append(publication)


def _batch() -> list[dict[str, Any]]:
    records = []
    for number, status in enumerate(["PROCESSING", "COMPLETED", "FAILED"]):
        record = _record(status={"S": status})
        record["dynamodb"]["SequenceNumber"] = str(100 + number)
        records.append(record)
    return records


def _publisher(table: str, sender: Sender) -> ChangeConsumer:
    return ChangeConsumer({table: ORDERS}, [LivePublishing(sender)])


def test_publisher_sends_in_order_and_reports_the_first_failure() -> None:
    table = SAMPLE["Records"][0]["eventSourceARN"].split(":table/")[1].split("/")[0]
    sender = Sender(fail_on="COMPLETED")
    outcome = _publisher(table, sender).handle(_batch())
    assert [p.payload["status"] for p in sender.sent] == ["PROCESSING"]
    assert outcome.handled.get("live") == 1
    assert outcome.batch_item_failures == [{"itemIdentifier": "101"}]  # retried from there; FAILED not sent before it
    assert outcome.failures[0].error == "RuntimeError: AppSync unavailable"
    everything = _publisher(table, Sender()).handle(_batch())
    assert (everything.handled.get("live"), everything.batch_item_failures) == (3, [])
    assert _publisher("another-table", Sender()).handle(_batch()).handled.get("live") is None


# ---- the resolvers, against moto's tables -----------------------------------------------------------------


@pytest.mark.usefixtures("aws")
def test_subscribing_to_an_order_checks_its_owner(customer: dict[str, Any], other_customer: dict[str, Any]) -> None:
    order = seed_order(customer)
    assert call("onOrderUpdated", {"orderId": order.order_id}, customer) is None
    assert call("onOrderUpdated", {"customerId": owner_of(customer)}, customer) is None
    with pytest.raises(NotFound):
        call("onOrderUpdated", {"orderId": order.order_id}, other_customer)
    with pytest.raises(Forbidden):
        call("onOrderUpdated", {"customerId": owner_of(customer)}, other_customer)
    with pytest.raises(ValidationError):
        call("onAlbumUpdated", {}, customer)
    with pytest.raises(NotFound):
        call("onCollageUpdated", {"collageId": "missing"}, customer)
    assert call("onOrderUpdated", {}, cognito_identity("admin-sub", groups=["admins"])) is None


@pytest.mark.usefixtures("aws")
def test_publish_mutations_echo_what_they_were_given() -> None:
    backend = {"accountId": "123456789012", "userArn": "arn:aws:sts::123456789012:assumed-role/publisher/x"}
    order = {"orderId": "o-1", "customerId": "c-1", "status": "PENDING"}
    assert call("publishOrderUpdated", {"order": json.dumps(order)}, backend) == order
    assert call("publishAlbumUpdated", {"album": {"albumId": "a-1"}}, backend) == {"albumId": "a-1"}
    assert call("publishCollageUpdated", {"collage": "{}"}, backend) == {}


def test_a_null_object_field_is_selected_with_its_fields() -> None:
    """An order before checkout has ``payment: null``: GraphQL refuses ``payment`` without fields."""
    assert (
        selection_set({"a": 1, "payment": None}, {"payment": ("status", "amount")}) == "{ a payment { status amount } }"
    )
    found = publication(ORDER, "INSERT", *_images(_record("INSERT")))
    assert found is not None
    assert found.payload["payment"] is None
    assert "payment { provider status amount currency amountRefunded updatedAt }" in found.document

"""adminStats: admins only, a checked range, every day listed, one Query page a call."""

from __future__ import annotations

from typing import Any

import pytest

from ape_moments.errors import Forbidden, ValidationError
from ape_moments.stats.repository import DAYS
from ape_moments.stats.rules import Fact
from ape_moments.table import to_item
from tests.conftest import LocalAws, call, count_aws_calls
from tests.unit.stats.helpers import stats_table


@pytest.fixture
def figures(monkeypatch: pytest.MonkeyPatch, aws: LocalAws) -> Any:
    repository = stats_table(aws, monkeypatch)
    repository.count(
        [
            Fact("a", "2026-01-01", {"ordersCreated": 2, "revenue#USD": 150, "items#PRINT_4X6": 3}),
            Fact("b", "2026-01-03", {"ordersCreated": 1, "revenue#USD": 1, "revenue#GBP": 4000, "photosUploaded": 5}),
            Fact("c", "2025-12-31", {"ordersCreated": 7}),  # outside the range
            Fact("d", "2026-12-31", {"refunded#EUR": 2385, "renderFailures": 1}),
        ]
    )
    return repository


def test_every_day_of_the_range_in_order_zeros_included_and_totals(figures: Any, admin: dict[str, Any]) -> None:
    stats = call("adminStats", {"from": "2026-01-01", "to": "2026-01-04"}, admin)
    assert (stats["from"], stats["to"]) == ("2026-01-01", "2026-01-04")
    assert [day["date"] for day in stats["days"]] == ["2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04"]
    empty = stats["days"][1]
    assert empty == {
        "date": "2026-01-02", "ordersCreated": 0, "ordersCompleted": 0, "ordersFailed": 0, "revenue": [],
        "refunded": [], "items": [], "photosUploaded": 0, "collagesRendered": 0, "albumsRendered": 0,
        "renderFailures": 0,
    }  # fmt: skip
    assert stats["days"][0]["revenue"] == [{"currency": "USD", "amount": 1.5}]
    totals = stats["totals"]
    assert totals["date"] is None
    assert totals["ordersCreated"] == 3
    assert totals["revenue"] == [{"currency": "GBP", "amount": 40.0}, {"currency": "USD", "amount": 1.51}]
    assert totals["items"] == [{"sku": "PRINT_4X6", "quantity": 3}]
    assert totals["photosUploaded"] == 5


def test_366_days_are_one_query_page(figures: Any, admin: dict[str, Any]) -> None:
    calls = count_aws_calls("dynamodb")
    stats = call("adminStats", {"from": "2026-01-01", "to": "2027-01-01"}, admin)  # 366 days, both ends
    assert len(stats["days"]) == 366
    assert dict(calls) == {"dynamodb.Query": 1}
    assert stats["totals"]["refunded"] == [{"currency": "EUR", "amount": 23.85}]
    assert stats["totals"]["renderFailures"] == 1
    assert stats["days"][-2]["date"] == "2026-12-31"
    assert stats["days"][-2]["refunded"] == [{"currency": "EUR", "amount": 23.85}]


def test_a_full_year_of_busy_days_still_fits_one_query_page(
    monkeypatch: pytest.MonkeyPatch, aws: LocalAws, admin: dict[str, Any]
) -> None:
    """Every figure of every day set (all counters, currencies and skus): still one page."""
    from ape_moments.orders.models import CATALOG, CURRENCIES
    from ape_moments.stats.rules import COUNTERS

    repository = stats_table(aws, monkeypatch)
    busy = dict.fromkeys(COUNTERS, 999_999)
    busy |= {f"{figure}#{currency}": 99_999_999 for figure in ("revenue", "refunded") for currency in CURRENCIES}
    busy |= {f"items#{sku}": 999_999 for sku in CATALOG}
    from datetime import date, timedelta

    first = date(2026, 1, 1)
    # Seeded as stored (moto copies the whole table for every transaction: 366 of them are slow).
    year = [to_item({"pk": DAYS, "sk": (first + timedelta(days=n)).isoformat(), **busy}) for n in range(366)]
    for start in range(0, len(year), 25):
        batch = [{"PutRequest": {"Item": item}} for item in year[start : start + 25]]
        aws.dynamodb.batch_write_item(RequestItems={repository.name: batch})
    calls = count_aws_calls("dynamodb")
    stats = call("adminStats", {"from": "2026-01-01", "to": "2027-01-01"}, admin)
    assert dict(calls) == {"dynamodb.Query": 1}
    assert all(day["ordersCreated"] == 999_999 for day in stats["days"])
    assert stats["totals"]["ordersCreated"] == 366 * 999_999


@pytest.mark.parametrize("who", ["customer", "guest"])
def test_non_admins_are_forbidden(figures: Any, who: str, request: pytest.FixtureRequest) -> None:
    with pytest.raises(Forbidden):
        call("adminStats", {"from": "2026-01-01", "to": "2026-01-02"}, request.getfixturevalue(who))


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        ({"from": "2026-13-01", "to": "2026-12-31"}, "from"),
        ({"from": "2026-02-30", "to": "2026-03-01"}, "from"),
        ({"from": "yesterday", "to": "2026-03-01"}, "from"),
        ({"from": "2026-01-01", "to": "2026-01-01T00:00:00Z"}, "to"),
        ({"from": "2026-01-01", "to": 20260101}, "to"),
        ({"from": "2026-01-02", "to": "2026-01-01"}, "to"),  # reversed
        ({"from": "2026-01-01", "to": "2027-01-02"}, "to"),  # 367 days, both ends counted
    ],
)
def test_bad_ranges_name_the_argument(
    figures: Any, admin: dict[str, Any], arguments: dict[str, Any], named: str
) -> None:
    calls = count_aws_calls("dynamodb")
    with pytest.raises(ValidationError) as refused:
        call("adminStats", arguments, admin)
    assert refused.value.message.startswith(f"{named}:"), refused.value.message
    assert dict(calls) == {}


def test_a_single_day_and_a_utc_suffix(figures: Any, admin: dict[str, Any]) -> None:
    stats = call("adminStats", {"from": "2026-01-03Z", "to": "2026-01-03"}, admin)
    assert stats["from"] == stats["to"] == "2026-01-03"
    assert [day["photosUploaded"] for day in stats["days"]] == [5]

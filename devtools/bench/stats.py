"""The owner's figures (SPEC 14): what counting one change costs, and adminStats for 366 days.

- Aggregation, per change: the CPU of the pure rules (a stream record's change to its facts, and
  the transaction built from them), the write units DynamoDB bills for the transaction (computed
  from the items' sizes with DynamoDB's rules: a transactional write costs 2 WCU per started KB of
  each item written), and the in-process time of the whole reaction against moto (moto's own
  cost dominates that one: read it as an upper bound of our side, not DynamoDB's latency).
- adminStats over HTTP through the local stack (`python -m devtools.local_stack`), 366 days each
  holding every figure (all counters, three currencies, seven skus): latency p50 / p99 and the
  answer's size; one Query page each (the Query reads about 366 x the day item's size).

`python -m devtools.bench.stats` prints the figures alone; `make bench` includes them.
"""

from __future__ import annotations

import http.client
import json
import math
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from devtools.bench.report import percentile
from devtools.bench.stack import LAYER_SOURCE, REGION

CHANGES = 2_000  # rule evaluations timed
APPLIED = 200  # changes applied through moto
QUERIES = 40  # adminStats calls timed through the local stack
WARMUP_QUERIES = 5
STATS_QUERY = (
    "query($f: AWSDate!, $t: AWSDate!) { adminStats(from: $f, to: $t) { from to "
    "days { date ordersCreated ordersCompleted ordersFailed revenue { currency amount } refunded { currency amount } "
    "items { sku quantity } photosUploaded collagesRendered albumsRendered renderFailures } "
    "totals { ordersCreated revenue { currency amount } items { sku quantity } } } }"
)


def _order(status: str, **extra: Any) -> dict[str, Any]:
    return {
        "orderId": "6b1f0c2e-7a3d-4e5f-8a9b-0c1d2e3f4a5b",
        "customerId": "3f6c2a1e-5b7d-4c1a-9e2f-8a4b6c0d1e2f",
        "status": status,
        "totalPrice": Decimal("26.50"),
        "currency": "USD",
        "items": [
            {"sku": "PRINT_4X6", "quantity": 3, "unitPrice": Decimal("0.50"), "lineTotal": Decimal("1.50")},
            {"sku": "PHOTO_ALBUM", "quantity": 1, "unitPrice": Decimal("25.00"), "lineTotal": Decimal("25.00")},
        ],
        "createdAt": "2026-12-03T09:00:00.000Z",
        "updatedAt": "2026-12-03T10:00:00.123Z",
        **extra,
    }


def _changes() -> list[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """A mix: an order's life (created, paid, completed) and a photo accepted."""
    photo = {"key": "albums/a/1733200000000-booth.jpg", "parent": "albums/a/", "uploadedAt": "2026-12-03T09:30:00Z"}
    return [
        ("order", "INSERT", {}, _order("PENDING")),
        ("order", "MODIFY", _order("PROCESSING"), _order("PROCESSING", paymentId="sandbox-1")),
        ("order", "MODIFY", _order("PROCESSING", paymentId="sandbox-1"), _order("COMPLETED", paymentId="sandbox-1")),
        ("photo", "INSERT", {}, photo),
    ]


def _size(value: Any) -> int:
    """DynamoDB's size of an attribute value (developer guide, "Item sizes")."""
    if isinstance(value, str):
        return len(value.encode())
    if isinstance(value, bool) or value is None:
        return 1
    if isinstance(value, int | Decimal):
        return 1 + math.ceil(len(str(abs(value)).replace(".", "").lstrip("0") or "0") / 2)
    raise TypeError(type(value))


def _item_size(item: dict[str, Any]) -> int:
    return sum(len(name.encode()) + _size(value) for name, value in item.items())


def _write_units(items: list[dict[str, Any]]) -> int:
    return sum(2 * max(1, math.ceil(_item_size(item) / 1024)) for item in items)


def aggregation() -> dict[str, Any]:
    from ape_moments.stats.repository import StatsRepository
    from ape_moments.stats.rules import COUNTERS, facts_of_change

    mix = _changes()
    day = "2026-12-03"
    repository = StatsRepository("Stats", None)
    started = time.process_time()
    for n in range(CHANGES):
        kind, event, old, new = mix[n % len(mix)]
        facts = facts_of_change(kind, event, old, new, day)
        repository._actions(facts)  # the transaction's requests, built and not sent
    rules_us = (time.process_time() - started) / CHANGES * 1e6

    # The day item once every figure of a busy day is set: the largest one a Query page holds.
    busy_day = {"pk": "DAY", "sk": day} | dict.fromkeys(COUNTERS, 99_999)
    busy_day |= {f"{f}#{c}": 99_999_999 for f in ("revenue", "refunded") for c in ("USD", "EUR", "GBP")}
    busy_day |= {f"items#{s}": 99_999 for s in ("PRINT_4X6", "PRINT_5X7", "PRINT_8X10", "PHOTO_STRIP")}
    busy_day |= {f"items#{s}": 99_999 for s in ("COLLAGE_PRINT", "PHOTO_ALBUM", "DIGITAL_DOWNLOAD")}
    ledger = {"pk": "FACT#order#6b1f0c2e-7a3d-4e5f-8a9b-0c1d2e3f4a5b#completed", "sk": "FACT", "day": day}
    per_fact = _write_units([ledger, busy_day])

    moto_ms = _through_moto(mix, day)
    return {
        "shaping_ms_366_days": _shaping_ms(busy_day),
        "query_rcu_366_days": math.ceil(366 * _item_size(busy_day) / 4096),  # strongly consistent: 1 RCU per 4 KB
        "rules_us_per_change": rules_us,
        "wcu_per_change_one_fact": per_fact,
        "day_item_bytes": _item_size(busy_day),
        "ledger_item_bytes": _item_size(ledger),
        "page_bytes_366_days": 366 * _item_size(busy_day),
        "moto_ms_per_change": moto_ms,
    }


def _shaping_ms(day_item: dict[str, Any]) -> float:
    """adminStats' own work for 366 stored days (checked range, every day shaped, totals), without
    the Query: what the function adds to DynamoDB's answer."""
    from ape_moments.caller import Caller, Role
    from ape_moments.stats.rules import Tally
    from ape_moments.stats.service import StatsService

    first = date(2026, 1, 1)
    values = {name: int(value) for name, value in day_item.items() if name not in ("pk", "sk")}
    stored = {(first + timedelta(days=n)).isoformat(): Tally(dict(values)) for n in range(366)}

    class Stored:
        def days(self, first: str, last: str) -> dict[str, Tally]:
            return stored

    service = StatsService(Stored())  # type: ignore[arg-type]
    admin, arguments = Caller(Role.ADMIN, "bench"), {"from": "2026-01-01", "to": "2027-01-01"}
    runs = 50
    started = time.perf_counter()
    for _ in range(runs):
        service.admin_stats(admin, arguments)
    return (time.perf_counter() - started) / runs * 1000


def _through_moto(mix: list[tuple[str, str, dict[str, Any], dict[str, Any]]], day: str) -> float:
    import boto3
    from moto import mock_aws

    from ape_moments.stats.repository import StatsRepository
    from ape_moments.stats.rules import facts_of_change
    from devtools.bench.stack import resources

    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        client.create_table(**{**resources().table_definitions["StatsTable"], "TableName": "Stats"})
        repository = StatsRepository("Stats", client)
        started = time.perf_counter()
        for n in range(APPLIED):
            kind, event, old, new = mix[n % len(mix)]
            # each change its own object: a new fact every time, as on a real day
            new = {**new, "orderId": f"o{n}", "key": f"albums/a/{n}.jpg"} if new else new
            repository.count(facts_of_change(kind, event, old, new, day))
        return (time.perf_counter() - started) / APPLIED * 1000


def admin_stats_latency() -> dict[str, Any] | str:
    from devtools.bench.throughput import _Stack, available

    reason = available()
    if reason:
        return reason
    with tempfile.TemporaryDirectory(prefix="bench-stats-") as workdir:
        stack = _Stack(Path(workdir))
        try:
            state = stack.wait()
            _seed_year(state)
            token = _admin_token(state)
            parts = urlsplit(state["graphqlUrl"])
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            headers = {"Authorization": token, "Content-Type": "application/json"}
            body = json.dumps({"query": STATS_QUERY, "variables": {"f": "2026-01-01", "t": "2027-01-01"}})
            latencies, size = [], 0
            for index in range(WARMUP_QUERIES + QUERIES):
                started = time.perf_counter()
                connection.request("POST", parts.path, body=body, headers=headers)
                response = connection.getresponse()
                payload = response.read()
                elapsed = (time.perf_counter() - started) * 1000
                answer = json.loads(payload)
                if response.status != 200 or answer.get("errors"):
                    raise RuntimeError(f"HTTP {response.status}: {str(answer.get('errors'))[:200]}")
                if len(answer["data"]["adminStats"]["days"]) != 366:
                    raise RuntimeError("adminStats did not list 366 days")
                size = len(payload)
                if index >= WARMUP_QUERIES:
                    latencies.append(elapsed)
            connection.close()
        except Exception as error:
            return f"not measured: {type(error).__name__}: {error}"
        finally:
            stack.stop()
    latencies.sort()
    return {
        "calls": len(latencies),
        "p50_ms": statistics.median(latencies),
        "p99_ms": percentile(latencies, 0.99),
        "answer_bytes": size,
    }


def _seed_year(state: dict[str, Any]) -> None:
    """366 busy days in the stack's Stats table, written as the repository stores them."""
    import boto3

    from ape_moments.stats.rules import COUNTERS
    from ape_moments.table import to_item

    client = boto3.client(
        "dynamodb", endpoint_url=state["awsEndpoint"], region_name=REGION,
        aws_access_key_id="bench", aws_secret_access_key="bench",  # noqa: S106 - the local stack's moto
    )  # fmt: skip
    busy = dict.fromkeys(COUNTERS, 9_999) | {"revenue#USD": 123_456, "revenue#EUR": 7_890, "refunded#GBP": 1_000}
    busy |= {"items#PRINT_4X6": 300, "items#PHOTO_ALBUM": 12, "items#DIGITAL_DOWNLOAD": 40}
    first = date(2026, 1, 1)
    items = [to_item({"pk": "DAY", "sk": (first + timedelta(days=n)).isoformat(), **busy}) for n in range(366)]
    table = str(state["tables"]["StatsTable"])
    for start in range(0, len(items), 25):
        batch: list[Any] = [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]
        client.batch_write_item(RequestItems={table: batch})


def _admin_token(state: dict[str, Any]) -> str:
    import boto3

    admin = next(user for user in state["demoUsers"] if "admins" in user["groups"])
    cognito = boto3.client("cognito-idp", endpoint_url=state["awsEndpoint"], region_name=REGION)
    response = cognito.initiate_auth(
        ClientId=state["userPoolClientId"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": admin["email"], "PASSWORD": admin["password"]},
    )
    return str(response["AuthenticationResult"]["IdToken"])


def measure(*, through_stack: bool = True) -> dict[str, Any]:
    import sys

    if str(LAYER_SOURCE) not in sys.path:  # the stats rules and repository, from the layer's source
        sys.path.append(str(LAYER_SOURCE))
    results: dict[str, Any] = {"aggregation": aggregation()}
    results["admin_stats"] = admin_stats_latency() if through_stack else "not measured (no local stack run)"
    results["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    return results


def render(results: dict[str, Any]) -> str:
    a = results["aggregation"]
    lines = [
        "| figure | value |",
        "| --- | --- |",
        f"| rules + transaction built, CPU per change | {a['rules_us_per_change']:.1f} µs |",
        "| write units per counted change (one fact: ledger put + day ADD, transactional) | "
        f"{a['wcu_per_change_one_fact']} WCU |",
        f"| a busy day item / a ledger item | {a['day_item_bytes']} B / {a['ledger_item_bytes']} B |",
        f"| 366 busy days, one Query page (limit 1 MB) | {a['page_bytes_366_days'] / 1024:.0f} KB, "
        f"{a['query_rcu_366_days']} RCU (strongly consistent) |",
        f"| adminStats' own work for 366 days (no Query: range check, days shaped, totals) | "
        f"{a['shaping_ms_366_days']:.1f} ms |",
        f"| whole reaction per change, in-process moto (upper bound of our side) | {a['moto_ms_per_change']:.1f} ms |",
    ]
    latency = results["admin_stats"]
    if isinstance(latency, dict):
        lines.append(
            f"| adminStats, 366 days, local stack over HTTP ({latency['calls']} calls; moto's Query is most of it) | "
            f"p50 {latency['p50_ms']:.0f} ms, p99 {latency['p99_ms']:.0f} ms, "
            f"{latency['answer_bytes'] / 1024:.0f} KB answer |"
        )
    else:
        lines.append(f"| adminStats, 366 days, local stack | {latency} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render(measure()))

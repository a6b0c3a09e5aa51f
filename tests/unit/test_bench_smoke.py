"""`make bench` cannot rot: its cold-start and call-count paths run for one function, once.

Not a performance test: it asserts on the shape of the results, never on a time.
"""

from __future__ import annotations

from devtools.bench import calls, cold_start, report
from devtools.bench.__main__ import run

FUNCTION = "GetOrderFunction"


def test_cold_start_and_call_count_for_one_function() -> None:
    results = run(
        only=[FUNCTION],
        cold_runs=1,
        warm_runs=2,
        importtime=False,
        measure_sizes=False,
        measure_throughput=False,
    )
    entry = results["functions"][FUNCTION]
    assert "error" not in entry, entry.get("error")

    cold = entry["cold"]
    assert cold["runs"] == 1
    assert cold["errors"] == []
    assert cold["handler_ms"] > 0
    assert cold["floor_ms"] > 0
    assert cold["ratio"] > 0

    counted = entry["calls"]
    assert counted["total"] >= 1
    assert sum(counted["by_operation"].values()) == counted["total"]
    assert all(label.startswith("dynamodb.") for label in counted["by_operation"])
    assert counted["read_units"] > 0
    assert counted["failed"] == []

    warm = entry["warm"]
    assert warm["runs"] == 2
    assert warm["errors"] == 0

    table = report.markdown(report.rows(results))
    assert f"| 1 cold start | {FUNCTION}" in table
    assert "| 3 AWS calls |" in table


def test_item_size_follows_dynamodb_rules() -> None:
    item = {"orderId": {"S": "abc"}, "total": {"N": "14.00"}, "items": {"L": [{"S": "x"}]}}
    # names 7 + 5 + 5; values: "abc" 3, 14.00 -> 2 bytes, list 3 + (1 + 1)
    assert calls.item_size(item) == 7 + 3 + 5 + 2 + 5 + 5
    assert calls.read_units(5000, consistent=True) == 2
    assert calls.read_units(100, consistent=False) == 0.5
    assert calls.write_units(1025) == 2


def test_importtime_is_charged_to_the_package_that_caused_it() -> None:
    stderr = "\n".join(
        [
            "import time: self [us] | cumulative | imported package",
            "import time:       100 |        100 |     pydantic_core",
            "import time:      2000 |       2100 |   pydantic",
            "import time:       300 |        300 |     asyncio",
            "import time:       700 |       1000 |   aws_lambda_powertools.event_handler",
            "import time:       500 |       3600 | ape_moments.orders",
            "import time:        50 |         50 | json",
        ]
    )
    assert cold_start.parse_importtime(stderr) == {
        "pydantic": 2.1,
        "powertools": 1.0,
        "ape_moments (layer)": 0.5,
        "interpreter and other": 0.05,
    }

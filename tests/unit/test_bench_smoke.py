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


def test_every_function_of_the_translated_template_is_read_with_its_layers() -> None:
    """The bench reads the local stack's translated template (one reader), not its own copy."""
    from devtools.bench import stack
    from devtools.local_stack import cloudformation

    translated = cloudformation.translated_template()["Resources"]
    expected = {name for name, resource in translated.items() if resource["Type"] == "AWS::Lambda::Function"}
    specs = {spec.logical_id: spec for spec in stack.functions()}
    assert set(specs) == expected
    assert [path.name for path in specs["UploadEventsFunction"].layer_dirs] == ["shared", "tracing", "imaging"]
    assert specs["GetOrderFunction"].snapstart
    assert not specs["OrderWorkerFunction"].snapstart
    assert specs["GetOrderFunction"].environment["ORDERS_TABLE_NAME"] == "OrdersTable"


def test_create_order_orders_sources_that_exist() -> None:
    """createOrder's case names an album's photo and a collage made by their own functions: the
    measured call reads them (BatchGetItem) and every write succeeds."""
    results = run(
        only=["CreateOrderFunction"],
        cold_runs=1,
        warm_runs=2,
        importtime=False,
        measure_sizes=False,
        measure_throughput=False,
    )
    entry = results["functions"]["CreateOrderFunction"]
    assert "error" not in entry, entry.get("error")
    assert entry["calls"]["by_operation"]["dynamodb.BatchGetItem"] == 1
    assert entry["calls"]["failed"] == []
    assert entry["cold"]["errors"] == []
    assert "| CreateOrderFunction | createOrder |" in report.summary_markdown(results)


def test_the_upload_pipeline_is_measured_with_the_imaging_layer() -> None:
    results = run(
        only=["UploadEventsFunction"],
        cold_runs=1,
        warm_runs=2,
        importtime=False,
        measure_sizes=False,
        measure_throughput=False,
    )
    entry = results["functions"]["UploadEventsFunction"]
    assert entry["layers"] == ["shared", "tracing", "imaging"]
    assert entry["cold"]["errors"] == []
    assert entry["cold"]["handler_cpu_ms"] > 0


def test_a_restored_path_without_aws_calls_has_an_absolute_target() -> None:
    restored = {"runs": 3, "handler_ms": 4.0, "handler_cpu_ms": 3.0, "floor_ms": 0.01, "floor_cpu_ms": 0.01,
                "ratio": 300.0, "wall_ratio": 400.0, "errors": []}  # fmt: skip
    results = {"functions": {"LiveResolversFunction": {"operation": "onOrderUpdated", "aws_calls": 0,
                                                        "restored": restored}}}  # fmt: skip
    (row,) = report._restored_rows(results["functions"])
    assert row[2].startswith("4.00 ms")
    assert row[4] == "n/a"
    assert row[5].endswith("met")
    assert "3.00 ms CPU (no AWS call)" in report.summary_markdown(results)


def test_upload_latency_row() -> None:
    results = {"uploads": {"uploads": 20, "photo_bytes": 5_400_000, "p50_ms": 700.0, "p95_ms": 900.0,
                           "max_ms": 950.0}}  # fmt: skip
    (row,) = report._latency_rows(results)
    assert row[1].startswith("upload to listed")
    assert row[2] == "p50 700 ms, p95 900 ms"

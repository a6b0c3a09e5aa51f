"""`make bench`'s simulation of SnapStart's restore cannot rot: it runs for one API function, once.

Not a performance test: it asserts on the shape of the results, never on a time.
"""

from __future__ import annotations

from devtools.bench import report
from devtools.bench.__main__ import run, snapstart_functions

FUNCTION = "GetOrderFunction"


def test_the_restored_path_is_measured_for_the_api_functions_only() -> None:
    api = snapstart_functions()
    assert FUNCTION in api
    assert "OrderWorkerFunction" not in api
    assert "SweeperFunction" not in api


def test_restored_path_for_one_function() -> None:
    results = run(
        only=[FUNCTION],
        cold_runs=1,
        warm_runs=2,
        importtime=False,
        measure_sizes=False,
        measure_throughput=False,
    )
    restored = results["functions"][FUNCTION]["restored"]
    assert restored["runs"] == 1
    assert restored["errors"] == []
    assert restored["handler_cpu_ms"] > 0
    assert restored["floor_cpu_ms"] > 0
    table = report.markdown(report.rows(results))
    assert f"| 1b restored (simulated) | {FUNCTION}" in table
    assert "simulation of SnapStart's restore" in table

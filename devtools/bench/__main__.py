"""`python -m devtools.bench`: measure every function of template.yaml, print the table, write the doc."""

from __future__ import annotations

import argparse
import dataclasses
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from devtools.bench import cold_start, live, photos, report, sizes, stats, throughput, uploads, warm
from devtools.bench.cases import Case, case_for
from devtools.bench.harness import Harness
from devtools.bench.stack import ROOT, functions

ANALYSIS_STUB = "## Analysis\n\n(hand-written; `make bench` keeps everything outside the generated block)\n"


def _plans(only: list[str] | None) -> dict[str, Case | str]:
    specs = functions()
    available = {spec.logical_id for spec in specs if spec.exists}
    return {spec.logical_id: case_for(spec, available) for spec in specs if not only or spec.logical_id in only}


def snapstart_functions() -> set[str]:
    """The functions template.yaml gives SnapStart (where an environment enables it): the API functions."""
    return {spec.logical_id for spec in functions() if spec.snapstart}


def _reset_moto() -> None:
    from moto.core.base_backend import BackendDict

    BackendDict.reset()


def in_process(plans: dict[str, Case | str], results: dict[str, Any], *, warm_runs: int) -> None:
    """Calls, units and warm overhead, against moto's in-process mock."""
    from moto import mock_aws

    with mock_aws(), Harness.open() as harness:
        for name, plan in plans.items():
            if isinstance(plan, str):
                continue
            entry = results["functions"][name]
            try:
                prepared = harness.prepare(plan, price=True)
                entry["calls"] = prepared.summary
                entry["warm"] = warm.measure(harness, prepared, runs=warm_runs).stats()
            except Exception as error:
                entry["error"] = f"{type(error).__name__}: {error}"
    _reset_moto()


def cold(plans: dict[str, Case | str], results: dict[str, Any], *, runs: int, importtime: bool) -> None:
    """Cold starts in fresh processes, against a moto server on 127.0.0.1; SnapStart's restore simulated too."""
    snapstart = snapstart_functions()
    with cold_start.moto_server() as endpoint, Harness.open(endpoint=endpoint) as harness:
        for name, plan in plans.items():
            if isinstance(plan, str):
                continue
            entry = results["functions"][name]
            try:
                prepared = harness.prepare(plan, price=False)
                entry["aws_calls"] = len(prepared.calls)
                entry["cold"] = cold_start.measure(harness, prepared, runs=runs).stats()
                if name in snapstart:
                    entry["restored"] = cold_start.measure(harness, prepared, runs=runs, restored=True).stats()
                if importtime:
                    entry["imports"] = cold_start.import_breakdown(harness, prepared)
            except Exception as error:
                entry.setdefault("error", f"{type(error).__name__}: {error}")
    _reset_moto()


def _photos(runs: int) -> dict[str, Any]:
    """The upload pipeline's decode of 12 MP JPEG and HEIC photos against a bare Pillow floor, in
    fresh interpreters, and the imaging layer's arm64 size (`python -m devtools.bench.photos`)."""
    with tempfile.TemporaryDirectory(prefix="bench-photos-json-") as folder:
        output = Path(folder) / "photos.json"
        subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "devtools.bench.photos", "--runs", str(runs), "--json", str(output)],
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=1800,
        )
        return dict(json.loads(output.read_text()))


def _rendering() -> str:
    """A GRID_3X3 collage of nine 12 MP photos and album PDFs of 10 and 100, each against its floor,
    in fresh children (`python -m devtools.bench.rendering`, docs/RENDERING.md)."""
    done = subprocess.run(
        [sys.executable, "-m", "devtools.bench.rendering"], capture_output=True, text=True, check=False, cwd=ROOT
    )
    return done.stdout if done.returncode == 0 else f"rendering bench failed: {done.stderr[-2000:]}\n"


def run(
    *,
    only: list[str] | None = None,
    cold_runs: int = 5,
    warm_runs: int = 100,
    importtime: bool = True,
    measure_sizes: bool = True,
    measure_throughput: bool = True,
    photo_runs: int = 0,
) -> dict[str, Any]:
    started = time.perf_counter()
    plans = _plans(only)
    layers = {spec.logical_id: [path.name for path in spec.layer_dirs] for spec in functions()}
    results: dict[str, Any] = {"functions": {}}
    for name, plan in plans.items():
        results["functions"][name] = (
            {"skipped": plan}
            if isinstance(plan, str)
            else {"operation": plan.operation, "notes": plan.notes, "layers": layers[name]}
        )
    if photo_runs:
        # First, and in a child of its own: Linux hands a parent's peak RSS on to the processes it
        # forks, so the photo children must come from a small process to measure their own peak.
        results["photos"] = _photos(photo_runs)
    phases = results.setdefault("phases_s", {})
    mark = time.perf_counter()
    in_process(plans, results, warm_runs=warm_runs)
    phases["in-process (calls, warm)"], mark = time.perf_counter() - mark, time.perf_counter()
    cold(plans, results, runs=cold_runs, importtime=importtime)
    phases["cold and restored processes"], mark = time.perf_counter() - mark, time.perf_counter()
    if measure_sizes:
        layer, function_sizes = sizes.measure(list(plans))
        results["layer_size"] = dataclasses.asdict(layer) if layer else None
        results["function_sizes"] = {k: dataclasses.asdict(v) if v else None for k, v in function_sizes.items()}
    if measure_throughput:
        results["throughput"] = throughput.measure()
        results["live"] = live.measure()  # change-to-subscriber latency through the local stack
        results["uploads"] = uploads.measure()  # presign, PUT, listed: through the local stack
        phases["sizes, local stack (throughput, live, uploads)"], mark = time.perf_counter() - mark, time.perf_counter()
    # The owner's figures: aggregation cost per change; adminStats for 366 days through the local stack.
    results["stats"] = stats.measure(through_stack=measure_throughput)
    phases["owner's figures"] = time.perf_counter() - mark
    results["machine"] = report.machine()
    results["elapsed_s"] = time.perf_counter() - started
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m devtools.bench", description=__doc__)
    parser.add_argument("--only", action="append", metavar="LOGICAL_ID", help="measure only this function")
    parser.add_argument("--cold-runs", type=int, default=5, help="cold-start processes per function and mode")
    parser.add_argument("--warm-runs", type=int, default=100, help="in-process invocations per operation")
    parser.add_argument("--no-importtime", action="store_true", help="skip the -X importtime breakdown")
    parser.add_argument("--no-throughput", action="store_true", help="skip the local stack throughput")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/PERFORMANCE.md alone")
    parser.add_argument("--json", metavar="PATH", help="also write the raw results as JSON")
    parser.add_argument("--photo-runs", type=int, default=5, help="fresh children per photo and side; 0 skips photos")
    parser.add_argument("--no-rendering", action="store_true", help="skip the collage and album PDF renders")
    args = parser.parse_args(argv)
    results = run(
        only=args.only,
        cold_runs=args.cold_runs,
        warm_runs=args.warm_runs,
        importtime=not args.no_importtime,
        measure_throughput=not args.no_throughput,
        photo_runs=max(0, args.photo_runs),
    )
    table = report.summary_markdown(results) + "\n\n" + report.markdown(report.rows(results))
    if "photos" in results:
        table += (
            "\n\n### Photos: the upload pipeline's decode (`check_photo`) against a bare Pillow floor\n\n"
            + photos.render(results["photos"]["photos"], results["photos"]["layer"])
        )
    table += "\n\n### The owner's figures: cost per counted change, adminStats for 366 days\n\n"
    table += stats.render(results["stats"])
    if not args.no_rendering:
        table += "\n\n### Rendering: collage and album PDFs against their floors\n\n```\n" + _rendering() + "```\n"
    print(table)
    if args.json:
        with open(args.json, "w") as stream:
            json.dump(results, stream, indent=2, default=str)
    if not args.no_write:
        report.write_doc(report.generated(results, table), ANALYSIS_STUB)
        print(f"\nwritten to {report.DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

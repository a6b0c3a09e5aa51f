"""Static checks (issue 5, item 5): checkov passes with every skip explained.

cfn-lint is checked once, in tests/template/test_template.py (and by `make lint`).

checkov lives in its own venv (its pins hold boto3 far below the app's): `make install` /
`make lint` create it at .local/venv-checkov from pyproject's `checkov` group. It runs with
--skip-download, so it never calls out to the vendor's platform. checkov does not expand
template.yaml's Fn::ForEach loops, so it scans the expanded template (devtools.template.write_expanded),
as `make lint` does: every generated resource is checked, and its skips are found. Checks skipped for
the whole project are in .checkov.yaml, each with its reason; tests/template/test_checkov_decisions.py
enforces the rule each reason states.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from devtools import template
from tests.security.figures import FIGURES

ROOT = Path(__file__).resolve().parents[2]
CHECKOV = ROOT / ".local" / "venv-checkov" / "bin" / "checkov"
MIN_REASON = 40  # characters: a reason, not a shrug
CONFIG = ROOT / ".checkov.yaml"


def _skips_in_template() -> dict[tuple[str, str], str]:
    skips: dict[tuple[str, str], str] = {}
    for name, resource in template.load()["Resources"].items():
        for skip in (resource.get("Metadata") or {}).get("checkov", {}).get("skip", []):
            skips[(name, skip.get("id", ""))] = str(skip.get("comment") or "")
    return skips


@pytest.fixture(scope="module")
def checkov_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    if not CHECKOV.exists():
        pytest.skip(f"{CHECKOV.relative_to(ROOT)} is missing: run `make install` or `make lint` (checkov's own venv)")
    expanded = template.write_expanded(tmp_path_factory.mktemp("checkov") / "template.expanded.json")
    run = subprocess.run(
        [
            str(CHECKOV),
            "--config-file",
            str(CONFIG),
            "--skip-download",
            "--framework",
            "cloudformation",
            "-f",
            str(expanded),
            "-o",
            "json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    report = json.loads(run.stdout)
    scanned: dict[str, Any] = report[0] if isinstance(report, list) else report
    return scanned


def test_checkov_has_no_failed_check(checkov_report: dict[str, Any]) -> None:
    summary = checkov_report["summary"]
    FIGURES.add("checkov.passed", summary["passed"])
    FIGURES.add("checkov.failed", summary["failed"])
    FIGURES.add("checkov.skipped", summary["skipped"])
    failed = [(f["check_id"], f["resource"], f["check_name"]) for f in checkov_report["results"]["failed_checks"]]
    assert failed == [], "fix the template, or skip with a reason under the resource's Metadata: checkov: skip"
    assert summary["parsing_errors"] == 0
    assert summary["passed"] > 0


def test_every_checkov_skip_has_its_reason_in_the_template(checkov_report: dict[str, Any]) -> None:
    in_template = _skips_in_template()
    skipped = checkov_report["results"]["skipped_checks"]
    for check in skipped:
        resource = check["resource"].split(".")[-1]
        reason = in_template.get((resource, check["check_id"]))
        assert reason is not None, f"{check['check_id']} on {resource} was skipped without a Metadata entry"
        assert len(reason) >= MIN_REASON, f"{check['check_id']} on {resource}: the reason is too thin: {reason!r}"
        assert check["check_result"].get("suppress_comment") == reason
    FIGURES.add("checkov.skips_with_reason", len(skipped))
    FIGURES.add("checkov.known_gaps", sum(r.startswith(("KNOWN GAP", "ACCEPTED RISK")) for r in in_template.values()))
    # No stale skip: every entry in the template silences a check checkov actually ran. A check skipped
    # project-wide is not run at all; a resource keeps its own skip of it only where its reason differs.
    used = {(c["resource"].split(".")[-1], c["check_id"]) for c in skipped}
    project_wide = set(yaml.safe_load(CONFIG.read_text())["skip-check"])
    stale = {entry for entry in set(in_template) - used if entry[1] not in project_wide}
    assert stale == set(), f"skips for checks that no longer fail: {sorted(stale)}"
    FIGURES.add("checkov.skipped_project_wide", len(project_wide))

"""The security suite's figures: every test adds what it tried and what held; conftest prints them.

The figures are counts, not adjectives (issue 5): how many matrix rows ran, how many hostile
inputs were tried, how many requests the load test sent, how many faults were injected and
survived, and how many of each were lost. A figure that stayed at zero because its tests did
not run is printed as "not run", never as a success.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Figures:
    counts: Counter[str] = field(default_factory=Counter)
    notes: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, name: str, amount: int = 1) -> None:
        with self._lock:
            self.counts[name] += amount

    def note(self, name: str, text: str) -> None:
        with self._lock:
            self.notes[name] = text

    def __getitem__(self, name: str) -> int:
        return self.counts[name]

    def ran(self, prefix: str) -> bool:
        return any(name.startswith(prefix) for name in self.counts)


FIGURES = Figures()


def _line(label: str, text: str) -> str:
    return f"  {label:<22} {text}"


def summary_lines(figures: Figures = FIGURES) -> list[str]:
    c = figures.counts
    lines: list[str] = []

    if figures.ran("matrix."):
        lines.append(
            _line(
                "authorization matrix",
                f"{c['matrix.rows']} rows ({c['matrix.operations']} operations x {c['matrix.callers']} caller kinds"
                f"{figures.notes.get('matrix.transport', '')}): {c['matrix.held']} held, "
                f"{c['matrix.rows'] - c['matrix.held']} violations; plus {c['matrix.role_rows']} role rows "
                f"(transitions by role): {c['matrix.role_rows_held']} held",
            )
        )
    else:
        lines.append(_line("authorization matrix", "not run"))

    if figures.ran("hostile."):
        lines.append(
            _line(
                "hostile input",
                f"{c['hostile.cases']} cases over {c['hostile.operations']} operations"
                f"{figures.notes.get('hostile.transport', '')}: {c['hostile.refused']} refused with a typed error, "
                f"{c['hostile.accepted']} accepted; {c['hostile.internal_errors']} InternalError, "
                f"{c['hostile.http_5xx']} HTTP 5xx, {c['hostile.leaks']} leaks, "
                f"{c['hostile.writes_left']} writes left by failed mutations",
            )
        )
    else:
        lines.append(_line("hostile input", "not run"))

    if figures.ran("load."):
        lines.append(
            _line(
                "load",
                f"{c['load.requests']} requests from {c['load.clients']} clients in "
                f"{figures.notes.get('load.seconds', '?')}{figures.notes.get('load.transport', '')}: "
                f"{c['load.answered']} answered, {c['load.errors']} errors "
                f"({c['load.expected_refusals']} expected refusals), {c['load.orders']} orders checked, "
                f"{c['load.inconsistent']} inconsistent, {c['load.lost']} lost",
            )
        )
    else:
        lines.append(_line("load", "not run"))

    if figures.ran("faults."):
        lines.append(
            _line(
                "faults",
                f"{c['faults.injected']} injected in {c['faults.scenarios']} scenarios "
                f"({figures.notes.get('faults.attempts', '?')} attempts per AWS call): "
                f"{c['faults.retried_success']} recovered by retries, {c['faults.typed_errors']} typed errors, "
                f"{c['faults.partial_then_completed']} partial states finished by the client's retry; "
                f"worker: {c['faults.worker_crashes']} crashes, {c['faults.redelivered']} redeliveries, "
                f"{c['faults.dead_lettered']} dead-lettered orders FAILED; "
                f"{c['faults.charges']} charges for {c['faults.charged_orders']} orders "
                f"({c['faults.double_charges']} double, the lost-charge-record case included), "
                f"{c['faults.duplicate_copies']} fulfilment files written twice, "
                f"{c['faults.lost']} lost, {c['faults.stuck']} stuck, "
                f"{c['faults.leaks']} leaks, {c['faults.half_written']} half-written",
            )
        )
        if c["faults.ambiguous"]:
            lines.append(
                _line(
                    "",
                    f"{c['faults.ambiguous']} ambiguous answers (write done, client told it failed; "
                    f"docs/SECURITY.md): {figures.notes.get('faults.ambiguous', '')}",
                )
            )
    else:
        lines.append(_line("faults", "not run"))

    if figures.ran("payment_faults."):
        p = "payment_faults."
        injected = {k.removeprefix(p + "faults: "): v for k, v in c.items() if k.startswith(p + "faults: ")}
        lines.append(
            _line(
                "payment faults",
                f"{c[p + 'scenarios run']} runs, {c[p + 'faults injected']} faults "
                f"({', '.join(f'{k} {v}' for k, v in sorted(injected.items()))}); "
                f"{c[p + 'captures']} captures, {c[p + 'refunds']} refunds at the provider: "
                f"{c[p + 'double_captures']} double captures, {c[p + 'double_refunds']} double refunds, "
                f"{c[p + 'unrefunded_failed']} FAILED unrefunded, {c[p + 'held_by_failed']} FAILED holding an "
                f"authorization, {c[p + 'stuck']} stuck, {c[p + 'disagreements']} order/provider disagreements",
            )
        )
    else:
        lines.append(_line("payment faults", "not run"))

    if figures.ran("logs."):
        lines.append(
            _line(
                "log secrets",
                f"{c['logs.invocations']} handler invocations, {c['logs.records']} JSON log records: "
                f"{c['logs.leaks']} carry a token, password or email; "
                f"{c['logs.correlated']} of {c['logs.resolver_records']} resolver records carry the correlation id",
            )
        )
    else:
        lines.append(_line("log secrets", "not run"))

    if figures.ran("checkov."):
        lines.append(
            _line(
                "checkov",
                f"{c['checkov.passed']} passed, {c['checkov.failed']} failed, {c['checkov.skipped']} skipped "
                f"({c['checkov.skips_with_reason']} with a reason in template.yaml, "
                f"{c['checkov.known_gaps']} marked KNOWN GAP or ACCEPTED RISK; "
                f"{c['checkov.skipped_project_wide']} checks skipped project-wide in .checkov.yaml); "
                "cfn-lint: tests/template (test_cfn_lint_is_clean)",
            )
        )
    else:
        lines.append(_line("checkov", "not run"))
    return lines

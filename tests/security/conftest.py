"""Security suite: prints its figures at the end of every pytest run that collected it."""

from __future__ import annotations

from typing import Any

from tests.security.figures import summary_lines


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: Any) -> None:
    terminalreporter.section("security and reliability figures (tests/security)")
    for line in summary_lines():
        terminalreporter.write_line(line)

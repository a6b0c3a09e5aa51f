"""Security suite: prints its figures at the end of every pytest run that collected it."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import stack
from tests.security.figures import summary_lines

# The local stack fixture of the end-to-end tests (a subprocess on free 127.0.0.1 ports), reused
# by the matrix and the other modules; hostile input and load start a module stack of their own
# (tests/e2e/conftest.py module_stack), whose cost does not grow with what earlier tests wrote.
__all__ = ["stack"]


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: Any) -> None:
    terminalreporter.section("security and reliability figures (tests/security)")
    for line in summary_lines():
        terminalreporter.write_line(line)

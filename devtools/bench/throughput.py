"""Local stack throughput (placeholder until the local stack exists)."""

from __future__ import annotations

from typing import Any

NOT_AVAILABLE = "not measured: local stack not available"


def measure() -> dict[str, Any] | str:
    return NOT_AVAILABLE

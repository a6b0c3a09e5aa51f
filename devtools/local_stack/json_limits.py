"""JSON as the AWS services read it from a request: strict, and bounded in depth.

Python's ``json`` takes ``NaN``/``Infinity`` (no JSON reader elsewhere does) and raises
``RecursionError``, not ``ValueError``, for deep nesting, which every front door caught too
narrowly (issue 22). ``loads`` answers all of it with ``ValueError``, whose text is never shown.
"""

from __future__ import annotations

import json
from typing import Any, Final

# AppSync and Cognito publish no nesting limit; nothing this API takes nests past a dozen levels
# (input objects, AWSJSON metadata), and Python's own recursion limit is about 1,000.
MAX_DEPTH: Final = 64


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def loads(data: str | bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """The value of ``data``; ``ValueError`` for anything but strict JSON at most ``max_depth`` deep."""
    try:
        value = json.loads(data, parse_constant=_refuse_constant)
    except RecursionError as error:
        raise ValueError("nested too deeply") from error
    if depth(value) > max_depth:
        raise ValueError("nested too deeply")
    return value


def depth(value: Any) -> int:
    """Levels of arrays and objects (a scalar is 0), walked without recursion."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        current, level = pending.pop()
        children = current.values() if isinstance(current, dict) else current if isinstance(current, list) else None
        if children is None:
            continue
        deepest = max(deepest, level)
        pending.extend((child, level + 1) for child in children)
    return deepest

"""Input validation: pydantic does the checking, this turns its report into a ValidationError.

The message names the field and says what is wrong in the project's words: never pydantic's
pattern (a regex is an implementation detail, and a long one reads as noise), nor the text of a
Python exception raised inside a validator (a codec's, ``int()``'s digit limit, a JSON decoder's
position), which SPEC section 2 keeps away from clients.
"""

from __future__ import annotations

import re
from typing import Any, Final

import pydantic

from ape_moments.errors import ValidationError

# pydantic error types whose own text would show internals or library wording.
_MESSAGES: Final = {
    "string_pattern_mismatch": "is not in the accepted form",
    "string_unicode": "is not valid text",
    "json_invalid": "is not valid JSON",
    "json_type": "must be JSON text",
    "int_parsing_size": "is too large a number",
    "recursion_loop": "is nested too deeply",
}
_GENERIC: Final = "is not valid"
# Phrases of Python's own exceptions; a validator's message that holds one is replaced.
_PYTHON_TEXT: Final = re.compile(
    r"codec|Exceeds the limit|set_int_max_str_digits|line \d+ column|\(char \d+\)|recursion|Expecting|"
    r"invalid literal|Traceback|object has no attribute|is not JSON serializable|out of range float",
    re.IGNORECASE,
)


def _location(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _message(error: Any) -> str:
    """What to tell the client about one of pydantic's error entries."""
    if error["type"] in _MESSAGES:
        return _MESSAGES[error["type"]]
    if error["type"] == "value_error":
        raised = (error.get("ctx") or {}).get("error")
        # Our validators raise plain ValueErrors with our words; a subclass (UnicodeError,
        # JSONDecodeError) comes from a library call inside one.
        if raised is not None and type(raised) is not ValueError:
            return _GENERIC
    message = str(error["msg"]).removeprefix("Value error, ")
    return _GENERIC if _PYTHON_TEXT.search(message) else message


def parse[M: pydantic.BaseModel](model: type[M], data: dict[str, Any]) -> M:
    """Validate ``data`` into ``model``; the first problem becomes a ValidationError naming the field."""
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        message = _message(first)
        where = _location(first["loc"])
        raise ValidationError(f"{where}: {message}" if where else message) from None

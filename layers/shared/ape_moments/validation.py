"""Input validation: pydantic does the checking, this turns its report into a ValidationError."""

from __future__ import annotations

from typing import Any

import pydantic

from ape_moments.errors import ValidationError


def _location(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def parse[M: pydantic.BaseModel](model: type[M], data: dict[str, Any]) -> M:
    """Validate ``data`` into ``model``; the first problem becomes a ValidationError naming the field."""
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        message = first["msg"].removeprefix("Value error, ")
        where = _location(first["loc"])
        raise ValidationError(f"{where}: {message}" if where else message) from None

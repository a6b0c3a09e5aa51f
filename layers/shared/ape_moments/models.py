"""Building blocks shared by every model: camelCase aliases and the argument types."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictInt
from pydantic.alias_generators import to_camel

# Ids this backend issues are UUIDs; anything outside this shape cannot name one of our objects.
ObjectId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
OwnerId = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9:_-]+$")]
PageLimit = Annotated[StrictInt, Field(ge=1, le=100)]


class ApiModel(BaseModel):
    """Fields are snake_case in Python and camelCase on the wire and in the tables."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

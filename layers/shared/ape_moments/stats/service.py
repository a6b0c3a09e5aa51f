"""adminStats (SPEC 14): a range of days, every day listed (zeros included), and their totals."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Annotated, Any, Self

from pydantic import BeforeValidator, Field, model_validator

from ape_moments.caller import Caller
from ape_moments.errors import Forbidden
from ape_moments.models import ApiModel
from ape_moments.stats.repository import StatsRepository
from ape_moments.stats.rules import Tally
from ape_moments.validation import parse

MAX_DAYS = 366
_AWS_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}Z?$")  # AWSDate; a "Z" (UTC) is the only offset days have


def _aws_date(value: Any) -> date:
    if not isinstance(value, str) or not _AWS_DATE.match(value):
        raise ValueError("expected a date YYYY-MM-DD")
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise ValueError("not a calendar date") from None


AwsDate = Annotated[date, BeforeValidator(_aws_date)]


class StatsRequest(ApiModel):
    first: AwsDate = Field(alias="from")
    last: AwsDate = Field(alias="to")

    @model_validator(mode="after")
    def _range(self) -> Self:
        if self.last < self.first:
            raise ValueError("to: must not be before from")
        if (self.last - self.first).days + 1 > MAX_DAYS:
            raise ValueError(f"to: a range covers at most {MAX_DAYS} days, both ends counted")
        return self

    def days(self) -> list[str]:
        count = (self.last - self.first).days + 1
        return [(self.first + timedelta(days=offset)).isoformat() for offset in range(count)]


class StatsService:
    def __init__(self, repository: StatsRepository) -> None:
        self._repository = repository

    def admin_stats(self, caller: Caller, arguments: dict[str, Any]) -> dict[str, Any]:
        if not caller.is_admin:
            raise Forbidden("adminStats: admins only")
        request = parse(StatsRequest, arguments)
        days = request.days()
        stored = self._repository.days(days[0], days[-1])  # one Query page
        totals = Tally()
        for tally in stored.values():
            totals.add(tally.values)
        return {
            "from": days[0],
            "to": days[-1],
            "days": [stored.get(day, Tally()).to_graphql(day) for day in days],
            "totals": totals.to_graphql(None),
        }

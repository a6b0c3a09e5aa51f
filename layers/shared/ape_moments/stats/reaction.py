"""The stats reaction on the change spine: a change's facts counted into the Stats table, once."""

from __future__ import annotations

from typing import Any

from ape_moments.changes import Change
from ape_moments.stats.repository import StatsRepository
from ape_moments.stats.rules import Fact, facts_of_change


def facts(change: Change[Any]) -> list[Fact]:
    return facts_of_change(change.kind, change.event, change.old_item, change.new_item, change.day)


class StatsReaction:
    """Counts orders, money, photos and renders per UTC day (SPEC 14). Idempotent per fact: a
    redelivered change names facts the ledger holds already, and nothing is added."""

    name = "stats"

    def __init__(self, repository: StatsRepository) -> None:
        self._repository = repository

    def wants(self, change: Change[Any]) -> bool:
        return bool(facts(change))

    def react(self, change: Change[Any]) -> None:
        self._repository.count(facts(change))

"""The Stats table: one item per UTC day, and a ledger of the facts already counted.

Layout (template.yaml ``StatsTable``, partition key ``pk``, sort key ``sk``):

- a day: ``pk = "DAY"``, ``sk = "2026-12-03"``, one number attribute per figure
  (``ordersCreated``, ``revenue#USD`` in cents, ``items#PRINT_4X6``...). Every day of every
  range is in one partition, so ``adminStats`` is one Query (``sk BETWEEN from AND to``): 366
  days of at most ~30 small attributes are far below a Query page's 1 MB.
- a counted fact: ``pk = "FACT#{fact id}"``, ``sk = "FACT"``, with the day it was counted on.

Exactly once: the facts of one change are counted in ONE TransactWriteItems: for each fact a
put of its ledger item only if it is absent, and for each day an ``ADD`` of the facts' sums. A
redelivered change (or the backfill naming the same fact) fails a put's condition and nothing
is written; the facts not counted yet are then applied alone. Two writers of the same day item
at once are serialised by DynamoDB (a ``TransactionConflict`` is retried by ``table.transact``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ape_moments.stats.rules import Fact, Tally
from ape_moments.table import TransactionRefused, from_item, transact

DAYS = "DAY"
FACT_PREFIX = "FACT#"
FACT_SORT = "FACT"
MAX_ACTIONS = 100  # TransactWriteItems' limit: facts + their days must fit one transaction


class StatsRepository:
    def __init__(self, table_name: str, client: Any) -> None:
        self.name = table_name
        self._client = client

    def count(self, facts: Sequence[Fact]) -> int:
        """Count each fact not counted before, atomically with its ledger entry; how many were new."""
        pending = list({fact.fact_id: fact for fact in facts}.values())  # one action per item
        while pending:
            actions = self._actions(pending)
            try:
                transact(self._client, actions)
            except TransactionRefused as refused:
                # Only ledger puts carry a condition: the facts whose put failed are counted already.
                counted = {index for index in range(len(pending)) if refused.failed(index)}
                if not counted:
                    raise
                pending = [fact for index, fact in enumerate(pending) if index not in counted]
                continue
            return len(pending)
        return 0

    def _actions(self, facts: Sequence[Fact]) -> list[dict[str, Any]]:
        days: dict[str, Tally] = {}
        for fact in facts:
            days.setdefault(fact.day, Tally()).add(fact.adds)
        if len(facts) + len(days) > MAX_ACTIONS:
            raise ValueError(f"{len(facts)} facts on {len(days)} days do not fit one transaction")
        # The ledger puts first: a refusal's reason index is then the fact's index.
        actions: list[dict[str, Any]] = [self._ledger_put(fact) for fact in facts]
        actions += [self._day_update(day, tally) for day, tally in sorted(days.items()) if tally.values]
        return actions

    def _ledger_put(self, fact: Fact) -> dict[str, Any]:
        return {
            "Put": {
                "TableName": self.name,
                "Item": {"pk": {"S": FACT_PREFIX + fact.fact_id}, "sk": {"S": FACT_SORT}, "day": {"S": fact.day}},
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }

    def _day_update(self, day: str, tally: Tally) -> dict[str, Any]:
        names = {f"#a{i}": name for i, name in enumerate(sorted(tally.values))}
        values = {f":a{i}": {"N": str(tally.values[name])} for i, name in enumerate(sorted(tally.values))}
        return {
            "Update": {
                "TableName": self.name,
                "Key": {"pk": {"S": DAYS}, "sk": {"S": day}},
                "UpdateExpression": "ADD " + ", ".join(f"{n} {v}" for n, v in zip(names, values, strict=True)),
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
            }
        }

    def days(self, first: str, last: str) -> dict[str, Tally]:
        """The stored days from ``first`` to ``last`` (both counted; days with nothing are absent):
        one Query page, strongly consistent (what was just counted is shown)."""
        response = self._client.query(
            TableName=self.name,
            KeyConditionExpression="pk = :days AND sk BETWEEN :first AND :last",
            ExpressionAttributeValues={":days": {"S": DAYS}, ":first": {"S": first}, ":last": {"S": last}},
            ConsistentRead=True,
        )
        found: dict[str, Tally] = {}
        for item in response.get("Items", []):
            values = from_item(item)
            day = str(values.pop("sk"))
            values.pop("pk")
            found[day] = Tally({name: int(number) for name, number in values.items()})
        return found

    def counted(self, fact_id: str) -> bool:
        """Whether a fact is in the ledger (tests and the backfill's report)."""
        key = {"pk": {"S": FACT_PREFIX + fact_id}, "sk": {"S": FACT_SORT}}
        return "Item" in self._client.get_item(TableName=self.name, Key=key, ConsistentRead=True)

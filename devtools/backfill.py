"""`make backfill ENV=...`: the owner's figures (SPEC 14) for data written before they were kept.

Reads the Orders, Albums, Collages and Photos tables with a paginated Scan (a one-off job: the
only place a Scan is right), turns every item into the facts it shows (``stats.rules.facts_of_item``)
and counts them into the Stats table through ``StatsRepository.count``: each fact with its ledger
entry, in one transaction.

- Idempotent: a fact's id is the one the live stats reaction gives the same fact
  (``order#{orderId}#created``...), so running it twice, or after the reaction counted some of
  those facts, counts nothing twice (docs/STATS.md, "Backfill and the live reaction").
- Resumable: after each page the scan's position is saved in ``.local/backfill-{env}.json``; an
  interrupted run goes on from there (``--restart`` starts over; re-counting is harmless anyway).
- ``ENV=local`` runs against the local stack (`make run`), read from ``.local/stack.json``;
  ``ENV=dev|staging|prod`` against the deployed stack of samconfig.toml's environment, with the
  usual AWS credentials.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "layers" / "shared"))

from ape_moments.stats.repository import StatsRepository  # noqa: E402 - the layer's source, on the path above
from ape_moments.stats.rules import Fact, facts_of_item  # noqa: E402
from ape_moments.table import from_item  # noqa: E402

# Source table logical id -> the kind its items are (changes.py's names).
SOURCES = {"OrdersTable": "order", "AlbumsTable": "album", "CollagesTable": "collage", "PhotosTable": "photo"}
PAGE_SIZE = 200
FACTS_PER_TRANSACTION = 45  # 45 ledger puts + at most 45 day updates: within TransactWriteItems' 100


@dataclass
class Target:
    """Where the tables are: their physical names, and the DynamoDB client that reaches them."""

    tables: dict[str, str]  # logical id -> name
    dynamodb: Any


@dataclass
class Outcome:
    items: int = 0
    facts: int = 0
    counted: int = 0  # new: the rest were counted before (by the reaction or an earlier run)


def local_target(state_file: Path) -> Target:
    import boto3

    state = json.loads(state_file.read_text())
    client = boto3.client(
        "dynamodb",
        endpoint_url=state["awsEndpoint"],
        region_name=state["region"],
        aws_access_key_id="local",
        aws_secret_access_key="local",  # noqa: S106 - the local stack's moto takes any
    )
    return Target(dict(state["tables"]), client)


def deployed_target(environment: str) -> Target:
    import boto3

    from devtools.amplify_outputs import deployed_stack

    stack_name, region = deployed_stack(environment)
    cloudformation = boto3.client("cloudformation", region_name=region)
    tables = {}
    for page in cloudformation.get_paginator("list_stack_resources").paginate(StackName=stack_name):
        for resource in page["StackResourceSummaries"]:
            if resource["ResourceType"] == "AWS::DynamoDB::Table":
                tables[resource["LogicalResourceId"]] = resource["PhysicalResourceId"]
    return Target(tables, boto3.client("dynamodb", region_name=region))


def _pages(target: Target, logical_id: str, start: dict[str, Any] | None) -> Iterator[tuple[list[Any], Any]]:
    """(items, the position after them) for each page of a Scan, from ``start``."""
    while True:
        request: dict[str, Any] = {"TableName": target.tables[logical_id], "Limit": PAGE_SIZE}
        if start:
            request["ExclusiveStartKey"] = start
        response = target.dynamodb.scan(**request)
        start = response.get("LastEvaluatedKey")
        yield [from_item(item) for item in response.get("Items", [])], start
        if not start:
            return


def _count(repository: StatsRepository, facts: list[Fact]) -> int:
    return sum(
        repository.count(facts[index : index + FACTS_PER_TRANSACTION])
        for index in range(0, len(facts), FACTS_PER_TRANSACTION)
    )


def backfill(target: Target, checkpoint: Path, *, progress: bool = True) -> Outcome:
    from tqdm import tqdm

    repository = StatsRepository(target.tables["StatsTable"], target.dynamodb)
    saved: dict[str, Any] = json.loads(checkpoint.read_text()) if checkpoint.exists() else {}
    outcome = Outcome()
    for logical_id, kind in SOURCES.items():
        start = saved.get(logical_id)
        if start == "done":
            continue
        total = target.dynamodb.describe_table(TableName=target.tables[logical_id])["Table"].get("ItemCount")
        with tqdm(total=total or None, desc=logical_id, unit="item", disable=not progress) as bar:
            for items, position in _pages(target, logical_id, start):
                facts = [fact for item in items for fact in facts_of_item(kind, item)]
                outcome.items += len(items)
                outcome.facts += len(facts)
                outcome.counted += _count(repository, facts)
                saved[logical_id] = position or "done"  # after the page's facts are counted: resumable
                checkpoint.parent.mkdir(parents=True, exist_ok=True)
                checkpoint.write_text(json.dumps(saved))
                bar.update(len(items))
    return outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.backfill", description=__doc__.split("\n")[0])
    parser.add_argument("--env", required=True, help="local (the local stack), or dev, staging, prod")
    parser.add_argument("--state-file", type=Path, default=ROOT / ".local" / "stack.json", help="ENV=local")
    parser.add_argument("--checkpoint", type=Path, help="where the progress is kept (default .local/backfill-ENV.json)")
    parser.add_argument("--restart", action="store_true", help="forget the saved progress and scan from the start")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    arguments = parser.parse_args(argv)
    checkpoint = arguments.checkpoint or ROOT / ".local" / f"backfill-{arguments.env}.json"
    if arguments.restart:
        checkpoint.unlink(missing_ok=True)
    target = local_target(arguments.state_file) if arguments.env == "local" else deployed_target(arguments.env)
    outcome = backfill(target, checkpoint, progress=not arguments.no_progress)
    print(
        f"backfill {arguments.env}: {outcome.items} items, {outcome.facts} facts, {outcome.counted} counted now, "
        f"{outcome.facts - outcome.counted} counted before"
    )
    checkpoint.unlink(missing_ok=True)  # finished: the next run starts from the beginning
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

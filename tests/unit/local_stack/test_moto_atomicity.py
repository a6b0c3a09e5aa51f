"""moto's DynamoDB, as the tests and the local stack run it, gives DynamoDB's item-level atomicity
(devtools/moto_atomic.py): a reader sees an item wholly before or wholly after an UpdateItem."""

from __future__ import annotations

import sys
import threading
import time
from typing import Any

import boto3
from moto import mock_aws

from devtools.moto_atomic import serialize_moto_requests

ATTRIBUTES = [f"a{index}" for index in range(30)]
UPDATES = 300


def test_a_read_never_sees_half_of_an_update_item() -> None:
    serialize_moto_requests()
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName="Items",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        client.put_item(TableName="Items", Item={"id": {"S": "x"}, **{name: {"N": "0"} for name in ATTRIBUTES}})
        expression = "SET " + ", ".join(f"{name} = :value" for name in ATTRIBUTES)
        done = threading.Event()
        torn: list[set[str]] = []
        reads = 0

        def write() -> None:
            try:
                for value in range(1, UPDATES + 1):
                    client.update_item(
                        TableName="Items",
                        Key={"id": {"S": "x"}},
                        UpdateExpression=expression,
                        ExpressionAttributeValues={":value": {"N": str(value)}},
                    )
            finally:
                done.set()

        writer = threading.Thread(target=write)
        switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(1e-5)  # threads interleave often: a torn read would show in a few updates
        writer.start()
        try:
            deadline = time.monotonic() + 60  # a margin: the reads stop with the writer, in seconds
            while not done.is_set() and time.monotonic() < deadline:
                item: dict[str, Any] = client.get_item(TableName="Items", Key={"id": {"S": "x"}})["Item"]
                values = {item[name]["N"] for name in ATTRIBUTES}
                reads += 1
                if len(values) > 1:
                    torn.append(values)
        finally:
            sys.setswitchinterval(switch_interval)
        writer.join(timeout=120)
        assert reads > 0
        assert torn == [], f"{len(torn)} of {reads} reads saw a half-applied update"

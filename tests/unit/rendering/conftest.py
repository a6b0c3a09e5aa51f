"""Rendering against moto: the real submission (API handlers), the Collages/Albums streams read
from moto and handed to the change stream (its render dispatch reaction), the render queue, the
renderer and the dead-letter handlers, exactly as their event sources would call them."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from PIL import Image

from ape_moments import observability
from ape_moments.changes import decode
from ape_moments.reactions.render import submission_of
from ape_moments.reactions.wiring import ALBUMS, COLLAGES
from devtools import template
from devtools.local_stack.streams import lambda_record
from tests.conftest import BUCKET, FakeContext, load_handler, sqs_event
from tests.conftest import call as call_handler
from tests.unit.media.helpers import seed_photo_records
from tests.unit.reactions.appsync import recording_appsync

Colour = tuple[int, int, int]


def solid_jpeg(colour: Colour, size: tuple[int, int] = (640, 480), *, orientation: int | None = None) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, colour)
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    image.save(out, "JPEG", quality=95, exif=exif.tobytes())
    return out.getvalue()


@dataclass
class Flow:
    aws: Any
    queue_url: str
    dead_letter_url: str
    _stream_positions: dict[str, str]

    @staticmethod
    def call(field: str, arguments: dict[str, Any], identity: dict[str, Any] | None) -> Any:
        return call_handler(field, arguments, identity)

    def upload(self, prefix: str, owner: str, images: list[bytes], *, first: int = 0) -> list[str]:
        """Listed photos, as the upload pipeline leaves them: the object and its record."""
        keys = seed_photo_records(prefix, owner, len(images), first=first)
        for key, data in zip(keys, images, strict=True):
            self.aws.s3.put_object(Bucket=BUCKET, Key=key, Body=data, ContentType="image/jpeg")
        return keys

    def dispatch(self) -> list[dict[str, Any]]:
        """New stream records of both tables, as their mappings hand them, to the change stream;
        returns those that were submissions (the render reaction's)."""
        # moto answers streams calls on this endpoint only (botocore's default resolves elsewhere)
        streams = boto3.client("dynamodbstreams", endpoint_url="https://streams.dynamodb.us-east-1.amazonaws.com")
        resources = template.load()["Resources"]
        records = []
        submissions = []
        for table, kind in (("AlbumsTable", ALBUMS), ("CollagesTable", COLLAGES)):
            mapping = next(
                m["Properties"]
                for m in resources.values()
                if m["Type"] == "AWS::Lambda::EventSourceMapping"
                and m["Properties"]["EventSourceArn"] == {"Fn::GetAtt": [table, "StreamArn"]}
            )
            assert "FilterCriteria" not in mapping  # every change reaches the reactions
            arn = self.aws.dynamodb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
            shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
            position = self._stream_positions.get(arn)
            iterator_args = (
                {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": position}
                if position
                else {"ShardIteratorType": "TRIM_HORIZON"}
            )
            iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, **iterator_args)["ShardIterator"]
            for record in streams.get_records(ShardIterator=iterator)["Records"]:
                self._stream_positions[arn] = record["dynamodb"]["SequenceNumber"]
                shaped = lambda_record(record, arn)
                records.append(shaped)
                if submission_of(decode(shaped, kind)) is not None:
                    submissions.append(shaped)
        if records:
            response = load_handler("change_stream").lambda_handler({"Records": records}, FakeContext())
            assert response == {"batchItemFailures": []}
        return submissions

    def receive(self, queue_url: str) -> dict[str, Any] | None:
        received = self.aws.sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=1, AttributeNames=["All"], VisibilityTimeout=0
        ).get("Messages", [])
        if not received:
            return None
        arn = self.aws.sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        return sqs_event(received, arn)

    def render_next(self) -> dict[str, Any]:
        """One render request off the queue through the renderer; the message is deleted unless reported failed."""
        event = self.receive(self.queue_url)
        assert event is not None, "no render request was queued"
        response = load_handler("renderer").lambda_handler(event, FakeContext())
        if not response["batchItemFailures"]:
            for record in event["Records"]:
                self.aws.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=record["receiptHandle"])
        return dict(response)

    def queued(self, queue_url: str) -> int:
        attributes = self.aws.sqs.get_queue_attributes(
            QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])

    def output(self, key: str) -> bytes:
        return bytes(self.aws.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())

    def keys_under(self, prefix: str) -> list[str]:
        listed = self.aws.s3.list_object_versions(Bucket=BUCKET, Prefix=prefix)
        return [v["Key"] for v in listed.get("Versions", [])]


@pytest.fixture
def flow(aws: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flow]:
    dead_letter_url = aws.sqs.create_queue(QueueName="render-dlq")["QueueUrl"]
    dlq_arn = aws.sqs.get_queue_attributes(QueueUrl=dead_letter_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3})
    queue_url = aws.sqs.create_queue(QueueName="renders", Attributes={"RedrivePolicy": redrive})["QueueUrl"]
    monkeypatch.setenv("RENDER_QUEUE_URL", queue_url)
    # the notifications reaction hands its emails to this queue
    monkeypatch.setenv("EMAIL_QUEUE_URL", aws.sqs.create_queue(QueueName="emails")["QueueUrl"])
    # The rendering functions as deployed: the metrics' service is theirs (template: media), the
    # namespace the environment's (the one Metrics instance is made when the module is imported).
    monkeypatch.setattr(observability.metrics, "service", "media")
    monkeypatch.setattr(observability.metrics, "namespace", os.environ["POWERTOOLS_METRICS_NAMESPACE"])
    with recording_appsync() as appsync:  # the change stream's other reaction publishes here
        monkeypatch.setenv("GRAPHQL_URL", appsync.url)
        yield Flow(aws, queue_url, dead_letter_url, {})

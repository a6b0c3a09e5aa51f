"""SQS event source mappings: what the Lambda service does for a function fed by a queue.

Each mapping polls its queue and invokes the function with a batch in Lambda's SQS event shape.
A successful invocation deletes the batch, except the messages the function reports in
``batchItemFailures`` (when the mapping has ``ReportBatchItemFailures``); a failed invocation
deletes nothing. Messages left undeleted come back after the queue's visibility timeout, and the
queue's redrive policy (moto applies it on receive) moves them to the dead-letter queue after
``maxReceiveCount`` receives.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from devtools.local_stack.aws_services import LocalResources, Queue
from devtools.local_stack.cloudformation import Intrinsics, function_id
from devtools.local_stack.lambda_runtime import LambdaRuntime

POLL_WAIT_SECONDS = 1


@dataclass
class SqsMapping:
    function_id: str
    queue: Queue
    batch_size: int
    report_batch_item_failures: bool


def sqs_mappings(intrinsics: Intrinsics, resources: LocalResources) -> list[SqsMapping]:
    mappings = []
    for resource in intrinsics.template["Resources"].values():
        if resource["Type"] != "AWS::Lambda::EventSourceMapping" or not intrinsics.resource_enabled(resource):
            continue
        properties = resource["Properties"]
        if properties.get("Enabled") is False:
            continue
        queue = resources.queues.get(intrinsics.resolve(properties.get("EventSourceArn")))
        if queue is None:
            continue  # streams and other sources are not polled locally
        mappings.append(
            SqsMapping(
                # The mapping may name the function or its alias (one version locally).
                function_id=function_id(intrinsics.template, properties["FunctionName"]),
                queue=queue,
                batch_size=min(int(properties.get("BatchSize", 10)), 10),
                report_batch_item_failures="ReportBatchItemFailures" in properties.get("FunctionResponseTypes", []),
            )
        )
    return mappings


def _message_attributes(attributes: dict[str, Any]) -> dict[str, Any]:
    return {
        name: {
            "stringValue": value.get("StringValue"),
            "binaryValue": value.get("BinaryValue"),
            "stringListValues": value.get("StringListValues", []),
            "binaryListValues": value.get("BinaryListValues", []),
            "dataType": value.get("DataType"),
        }
        for name, value in attributes.items()
    }


def sqs_event(messages: list[dict[str, Any]], queue: Queue, region: str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": message.get("Attributes", {}),
                "messageAttributes": _message_attributes(message.get("MessageAttributes", {})),
                "md5OfBody": message["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": queue.arn,
                "awsRegion": region,
            }
            for message in messages
        ]
    }


class SqsPoller:
    def __init__(
        self,
        mapping: SqsMapping,
        sqs: Any,
        runtime: LambdaRuntime,
        region: str,
        retry_delay_seconds: int | None = None,
    ) -> None:
        self.mapping = mapping
        self._sqs = sqs
        self._runtime = runtime
        self._region = region
        # None: failed messages wait out the queue's visibility timeout, as on AWS. A number
        # shortens that wait locally (tests, impatient developers).
        self._retry_delay = retry_delay_seconds
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name=f"sqs-{mapping.function_id}")

    def start(self) -> None:
        self._thread.start()

    def request_stop(self) -> None:
        self._stopping.set()

    def stop(self) -> None:
        self.request_stop()
        self._thread.join(timeout=POLL_WAIT_SECONDS + 2)

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self.poll_once()
            except Exception as error:  # keep polling; the stack's console shows why
                if not self._stopping.is_set():
                    print(f"[local-stack] polling {self.mapping.queue.logical_id} failed: {error}")
                    self._stopping.wait(1)

    def poll_once(self) -> int:
        """One receive, invoke and delete cycle; the number of messages handled."""
        queue = self.mapping.queue
        messages = self._sqs.receive_message(
            QueueUrl=queue.url,
            MaxNumberOfMessages=self.mapping.batch_size,
            WaitTimeSeconds=POLL_WAIT_SECONDS,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages or self._stopping.is_set():
            return 0
        result = self._runtime.invoke(self.mapping.function_id, sqs_event(messages, queue, self._region))
        failed_ids = {message["MessageId"] for message in messages}
        if not result.failed:
            failed_ids = self._reported_failures(result.payload, failed_ids)
        else:
            assert result.error is not None
            print(f"[local-stack] {self.mapping.function_id} failed: {result.error.get('errorMessage')}")
        done = [message for message in messages if message["MessageId"] not in failed_ids]
        if done:
            self._sqs.delete_message_batch(
                QueueUrl=queue.url,
                Entries=[
                    {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]} for index, message in enumerate(done)
                ],
            )
        if self._retry_delay is not None:
            for message in messages:
                if message["MessageId"] in failed_ids:
                    self._sqs.change_message_visibility(
                        QueueUrl=queue.url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=self._retry_delay
                    )
        return len(messages)

    def _reported_failures(self, payload: Any, all_ids: set[str]) -> set[str]:
        """With ReportBatchItemFailures: the reported ids; a malformed report fails the whole batch."""
        if not self.mapping.report_batch_item_failures or not isinstance(payload, dict):
            return set()
        failures = payload.get("batchItemFailures") or []
        reported = {item.get("itemIdentifier") for item in failures if isinstance(item, dict)}
        if not reported <= all_ids:
            return all_ids
        return {identifier for identifier in reported if identifier}

"""Hands orders to asynchronous processing through the order queue (SQS)."""

from __future__ import annotations

import json
from typing import Any


class ProcessingQueue:
    def __init__(self, queue_url: str, client: Any) -> None:
        self._url = queue_url
        self._client = client

    def send(self, order_id: str) -> None:
        self._client.send_message(QueueUrl=self._url, MessageBody=json.dumps({"orderId": order_id}))

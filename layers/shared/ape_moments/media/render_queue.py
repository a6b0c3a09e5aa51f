"""Hands render requests to the renderer through the render queue (SQS)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ape_moments.media.renders import RenderRequest

SEND_BATCH = 10  # the most SendMessageBatch takes at once


class RenderQueue:
    def __init__(self, queue_url: str, client: Any) -> None:
        self._url = queue_url
        self._client = client

    def send(self, requests: Sequence[RenderRequest]) -> None:
        """Send every request; raise if SQS refused any (the stream batch is then retried)."""
        for start in range(0, len(requests), SEND_BATCH):
            batch = requests[start : start + SEND_BATCH]
            response = self._client.send_message_batch(
                QueueUrl=self._url,
                Entries=[{"Id": str(i), "MessageBody": r.model_dump_json()} for i, r in enumerate(batch)],
            )
            failed = response.get("Failed", [])
            if failed:
                raise RuntimeError(f"{len(failed)} render requests were not queued: {failed[0].get('Code')}")

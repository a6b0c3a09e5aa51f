"""Media test helpers: call the real handlers (src/*/app.py) with AppSync events, against moto."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote_plus

import pytest

from tests.conftest import BUCKET
from tests.conftest import call as call_handler

Call = Callable[[str, dict[str, Any], dict[str, Any] | None], Any]


@pytest.fixture
def call(aws: Any) -> Call:
    """``tests.conftest.call`` with moto running: the field's own Lambda handler, given AppSync's event."""

    return call_handler


def s3_created_event(key: str, *, version_id: str = "v1", size: int = 1024, bucket: str = BUCKET) -> dict[str, Any]:
    """An S3 ObjectCreated:Put notification as Lambda receives it (key URL-encoded, as S3 sends it)."""
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": "us-east-1",
                "eventTime": "2026-11-25T15:00:00.000Z",
                "eventName": "ObjectCreated:Put",
                "userIdentity": {"principalId": "AWS:AROAEXAMPLE:presign"},
                "requestParameters": {"sourceIPAddress": "203.0.113.10"},
                "responseElements": {"x-amz-request-id": "C3D13FE58DE4C810", "x-amz-id-2": "FMyUVURIY8"},
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "AlbumPhotoCreated",
                    "bucket": {
                        "name": bucket,
                        "ownerIdentity": {"principalId": "A3NL1KOZZKExample"},
                        "arn": f"arn:aws:s3:::{bucket}",
                    },
                    "object": {
                        "key": quote_plus(key, safe="/"),
                        "size": size,
                        "eTag": "d41d8cd98f00b204e9800998ecf8427e",
                        "versionId": version_id,
                        "sequencer": "0055AED6DCD90281E5",
                    },
                },
            }
        ]
    }

"""boto3 clients, created once per execution environment and reused across invocations.

boto3 is imported lazily so that the import cost lands on the first request that needs AWS,
and the runtime's own boto3 is used (it is not shipped in the layer).
"""

from __future__ import annotations

import functools
import os
from typing import Any


@functools.cache
def client(service: str) -> Any:
    import boto3
    from botocore.config import Config

    # Three attempts in all (botocore's max_attempts would mean three retries): the worst case,
    # 3 x (1 s connect + 2 s read) plus backoff, stays inside a resolver's 10 s timeout, so the
    # client gets a typed error rather than a Lambda timeout.
    config = Config(
        retries={"mode": "standard", "total_max_attempts": 3},
        connect_timeout=1,
        read_timeout=2,
        # SigV4 everywhere: S3 presigned URLs must sign Content-Type and Content-Length.
        signature_version="s3v4" if service == "s3" else None,
        s3={"addressing_style": "path"} if os.environ.get("AWS_ENDPOINT_URL") else None,
    )
    return boto3.client(service, config=config)  # type: ignore[call-overload]


class LazyClient:
    """A boto3 client made on its first use: for collaborators a request may never call.

    getAlbum, getCollage and the listings build a service that can delete files and presign
    uploads, but a read signs its URLs for CloudFront and never touches S3: the S3 client (about
    a fifth of a cold start's client work) is made only by the request that needs it.
    """

    def __init__(self, service: str) -> None:
        self._service = service

    def __getattr__(self, name: str) -> Any:
        return getattr(client(self._service), name)


def lazy_client(service: str) -> Any:
    return LazyClient(service)

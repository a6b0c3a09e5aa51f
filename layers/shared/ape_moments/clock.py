"""Time in the formats AppSync's scalars use (AWSDateTime, AWSTimestamp)."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC)


def to_aws_datetime(moment: datetime) -> str:
    """AWSDateTime with milliseconds: lexical order equals time order, so it sorts in indexes."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def to_epoch_seconds(moment: datetime) -> int:
    return int(moment.timestamp())

"""Opaque pagination tokens.

A token is DynamoDB's ``LastEvaluatedKey`` in base64url JSON. It is not secret, so it is
checked against the query it continues: exactly the index's key attributes, string values of
bounded length, and the partition value of the current query. A token from someone else's
listing or a forged one is a ValidationError; it can never widen a query, whose partition
always comes from the caller.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from ape_moments.errors import ValidationError

_MAX_TOKEN_LENGTH = 2048
_MAX_VALUE_LENGTH = 512
_INVALID = "nextToken: not a valid token for this listing"


def encode_token(last_evaluated_key: dict[str, Any] | None) -> str | None:
    if not last_evaluated_key:
        return None
    raw = json.dumps(last_evaluated_key, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(
    token: str | None, *, key_attributes: frozenset[str], partition: tuple[str, str]
) -> dict[str, Any] | None:
    """Return the ExclusiveStartKey for ``token``, or raise ValidationError."""
    if token is None:
        return None
    if not token or len(token) > _MAX_TOKEN_LENGTH:
        raise ValidationError(_INVALID)
    try:
        key = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise ValidationError(_INVALID) from None
    if not isinstance(key, dict) or set(key) != key_attributes:
        raise ValidationError(_INVALID)
    for value in key.values():
        if (
            not isinstance(value, dict)
            or set(value) != {"S"}
            or not isinstance(value["S"], str)
            or not 0 < len(value["S"]) <= _MAX_VALUE_LENGTH
        ):
            raise ValidationError(_INVALID)
    partition_name, partition_value = partition
    if key[partition_name]["S"] != partition_value:
        raise ValidationError(_INVALID)
    return key

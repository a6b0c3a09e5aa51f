"""AppSync's scalars and directives, which graphql-core does not know: a prelude, and validation.

AppSync validates scalar inputs (a bad AWSDateTime or an AWSJSON that is not JSON never reaches the
function) and scalar outputs (a function returning a bad value gets a field error).
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any
from urllib.parse import urlparse

from graphql import GraphQLError, GraphQLScalarType, GraphQLSchema, StringValueNode, ValueNode
from graphql.language import IntValueNode

from devtools.local_stack import json_limits

PRELUDE = """
scalar AWSDate
scalar AWSTime
scalar AWSDateTime
scalar AWSTimestamp
scalar AWSEmail
scalar AWSJSON
scalar AWSURL
scalar AWSPhone
scalar AWSIPAddress
directive @aws_cognito_user_pools(cognito_groups: [String]) on OBJECT | FIELD_DEFINITION
directive @aws_iam on OBJECT | FIELD_DEFINITION
directive @aws_api_key on OBJECT | FIELD_DEFINITION
directive @aws_oidc on OBJECT | FIELD_DEFINITION
directive @aws_lambda on OBJECT | FIELD_DEFINITION
directive @aws_auth(cognito_groups: [String]) on FIELD_DEFINITION
directive @aws_subscribe(mutations: [String]) on FIELD_DEFINITION
"""

_TIMEZONE = r"(Z|[+-]\d{2}:\d{2}(:\d{2})?)"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}" + _TIMEZONE + "?$")
_TIME = re.compile(r"^\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?" + _TIMEZONE + "?$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?" + _TIMEZONE + "$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[\d\s().-]{3,}$")


def _check_date(text: str) -> None:
    date.fromisoformat(text[:10])


def _check_time(text: str) -> None:
    time.fromisoformat(re.sub(_TIMEZONE + "$", "", text)[:15].split(".")[0])


def _check_datetime(text: str) -> None:
    datetime.fromisoformat(re.sub(r"\.\d+", "", text).replace("Z", "+00:00"))


def _string_scalar(name: str, pattern: re.Pattern[str] | None, check: Callable[[str], None] | None = None) -> Any:
    def validate(value: Any) -> str:
        if not isinstance(value, str):
            raise GraphQLError(f"Invalid {name}: expected a string, got {value!r}")
        try:
            if pattern is not None and not pattern.match(value):
                raise ValueError(value)
            if check is not None:
                check(value)
        except ValueError as error:
            raise GraphQLError(f"Invalid {name} value: {value!r}") from error
        return value

    return validate


def _url(value: Any) -> str:
    parsed = urlparse(value) if isinstance(value, str) else None
    if parsed is None or not parsed.scheme or not (parsed.netloc or parsed.path):
        raise GraphQLError(f"Invalid AWSURL value: {value!r} (a URL needs a scheme)")
    return str(value)


def _ip_address(value: Any) -> str:
    try:
        ipaddress.ip_network(value, strict=False)
    except (TypeError, ValueError) as error:
        raise GraphQLError(f"Invalid AWSIPAddress value: {value!r}") from error
    return str(value)


def _timestamp(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise GraphQLError(f"Invalid AWSTimestamp value: {value!r} (integer seconds expected)")
    return value


def _json_input(value: Any) -> str:
    """AWSJSON arrives as a string of JSON. It must parse as strict JSON (no NaN or Infinity, within
    the depth bound); the function receives the text itself (what direct Lambda resolvers are
    reported to get, and what the handlers expect). The message never carries the parser's text."""
    if not isinstance(value, str):
        raise GraphQLError("Invalid AWSJSON value: expected a string of JSON.")
    try:
        json_limits.loads(value)
    except ValueError as error:
        raise GraphQLError("Invalid AWSJSON value: not valid JSON.") from error
    return value


def _json_output(value: Any) -> str:
    """A resolver's AWSJSON as strict JSON text: NaN or Infinity is an error, never sent."""
    if isinstance(value, str):
        try:
            json_limits.loads(value)
        except ValueError as error:
            raise GraphQLError("Invalid AWSJSON value: not valid JSON.") from error
        return value
    try:
        return json.dumps(value, separators=(",", ":"), allow_nan=False)
    except (ValueError, RecursionError) as error:
        raise GraphQLError("Invalid AWSJSON value: not valid JSON.") from error


def _literal(parse: Callable[[Any], Any], *, integer: bool = False) -> Callable[..., Any]:
    def parse_literal(node: ValueNode, _variables: Any = None) -> Any:
        if integer and isinstance(node, IntValueNode):
            return parse(int(node.value))
        if not integer and isinstance(node, StringValueNode):
            return parse(node.value)
        raise GraphQLError(f"Invalid literal for this scalar: {getattr(node, 'value', node)!r}")

    return parse_literal


def _configure(
    scalar: GraphQLScalarType, output: Callable[[Any], Any], value: Callable[[Any], Any], literal: Callable[..., Any]
) -> None:
    """Set a scalar's coercion under both graphql-core APIs (3.2: serialize/parse_*, 3.3: coerce_*)."""
    scalar.serialize = output  # type: ignore[method-assign,assignment]
    scalar.parse_value = value  # type: ignore[method-assign,assignment]
    scalar.parse_literal = literal  # type: ignore[method-assign]
    if hasattr(scalar, "coerce_input_value"):
        scalar.coerce_output_value = output
        scalar.coerce_input_value = value
        scalar.coerce_input_literal = None  # falls back to parse_literal, which sees variables


def install(schema: GraphQLSchema) -> None:
    """Give the schema's AWS scalars their AppSync behaviour (inputs and outputs both validated)."""
    string_scalars: dict[str, Callable[[Any], Any]] = {
        "AWSDate": _string_scalar("AWSDate", _DATE, _check_date),
        "AWSTime": _string_scalar("AWSTime", _TIME, _check_time),
        "AWSDateTime": _string_scalar("AWSDateTime", _DATETIME, _check_datetime),
        "AWSEmail": _string_scalar("AWSEmail", _EMAIL),
        "AWSPhone": _string_scalar("AWSPhone", _PHONE),
        "AWSURL": _url,
        "AWSIPAddress": _ip_address,
    }
    coercions: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any], Callable[..., Any]]] = {
        name: (validate, validate, _literal(validate)) for name, validate in string_scalars.items()
    }
    coercions["AWSTimestamp"] = (_timestamp, _timestamp, _literal(_timestamp, integer=True))
    coercions["AWSJSON"] = (_json_output, _json_input, _literal(_json_input))
    for name, (output, value, literal) in coercions.items():
        scalar = schema.type_map.get(name)
        if isinstance(scalar, GraphQLScalarType):
            _configure(scalar, output, value, literal)

"""Count the AWS calls an invocation makes, and what they cost in DynamoDB request units.

A hook on boto3's default session sees every API call of every client created from it (the
layer's ``aws.client`` and Powertools' idempotency store included): ``provide-client-params``
gives the call's parameters, ``after-call`` its parsed response (also for errors, before they
raise). Nothing is guessed from the code.

DynamoDB request units are computed from item sizes, by the rules of the DynamoDB developer
guide: a write is 1 WRU per started KB of the larger of the old and new item, on the table and
on every GSI the item is (or was) in (a GSI key change is a delete plus a put: 2 writes); a
conditional write that fails still costs its WRU on the table; a read is 1 RRU per started 4 KB
(half for eventually consistent reads, which GSI queries always are); a query is sized by the
items it returned. Moto's own ``ConsumedCapacity`` is a constant, so it is not used.
"""

from __future__ import annotations

import base64
import copy
import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import boto3

from devtools.bench.stack import REGION, Resources

_WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem"})


@dataclass
class Call:
    service: str
    operation: str
    params: dict[str, Any]
    ok: bool = True
    error_code: str | None = None
    read_units: float = 0.0
    write_units: float = 0.0
    units_known: bool = True
    presign: bool = False  # generate_presigned_url: signed locally, no request to AWS

    @property
    def label(self) -> str:
        return f"{self.service}.{self.operation}"


# ---- DynamoDB item sizes and units -----------------------------------------------------------


def _number_size(text: str) -> int:
    digits = text.lstrip("-").replace(".", "").lstrip("0") or "0"
    return (len(digits.rstrip("0") or "0") + 1) // 2 + 1 + (1 if text.startswith("-") else 0)


def value_size(value: dict[str, Any]) -> int:  # noqa: PLR0911 - one branch per DynamoDB type
    ((kind, data),) = value.items()
    if kind == "S":
        return len(data.encode())
    if kind == "N":
        return _number_size(str(data))
    if kind == "B":
        return len(data) if isinstance(data, bytes) else len(base64.b64decode(data))
    if kind in {"BOOL", "NULL"}:
        return 1
    if kind == "SS":
        return sum(len(s.encode()) for s in data)
    if kind == "NS":
        return sum(_number_size(str(n)) for n in data)
    if kind == "BS":
        return sum(len(b) for b in data)
    if kind == "L":
        return 3 + sum(value_size(v) + 1 for v in data)
    if kind == "M":
        return 3 + sum(len(k.encode()) + value_size(v) + 1 for k, v in data.items())
    return 0


def item_size(item: dict[str, Any] | None) -> int:
    if not item:
        return 0
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def read_units(size: int, *, consistent: bool) -> float:
    units = max(1, math.ceil(size / 4096))
    return float(units) if consistent else units / 2


def write_units(size: int) -> float:
    return float(max(1, math.ceil(size / 1024)))


class _Capacity:
    """Reads the item before and after each write with a separate, unhooked client."""

    def __init__(self, found: Resources) -> None:
        self._found = found
        self._client = boto3.session.Session(region_name=REGION).client("dynamodb")

    def _key(self, operation: str, params: dict[str, Any]) -> dict[str, Any] | None:
        table = params.get("TableName", "")
        if operation == "PutItem":
            names = self._found.table_keys.get(table)
            return {name: params["Item"][name] for name in names} if names else None
        return params.get("Key")

    def current(self, operation: str, params: dict[str, Any]) -> dict[str, Any] | None:
        key = self._key(operation, params)
        if key is None:
            return None
        response = self._client.get_item(TableName=params["TableName"], Key=key, ConsistentRead=True)
        return response.get("Item")

    def price(self, call: Call, old: dict[str, Any] | None, parsed: dict[str, Any]) -> None:
        if call.service != "dynamodb":
            return
        params = call.params
        if call.operation == "GetItem":
            call.read_units = read_units(item_size(parsed.get("Item")), consistent=bool(params.get("ConsistentRead")))
        elif call.operation == "Query":
            size = sum(item_size(item) for item in parsed.get("Items", []))
            consistent = bool(params.get("ConsistentRead")) and "IndexName" not in params
            call.read_units = read_units(size, consistent=consistent)
        elif call.operation in _WRITES:
            new = self.current(call.operation, params) if call.ok else old
            call.write_units = self._write_units(params["TableName"], old, new, failed=not call.ok)
        else:
            call.units_known = False

    def _write_units(
        self, table: str, old: dict[str, Any] | None, new: dict[str, Any] | None, *, failed: bool
    ) -> float:
        units = write_units(max(item_size(old), item_size(new)))
        if failed:
            return units
        for index_keys in self._found.table_indexes.get(table, []):
            in_old = bool(old) and all(k in old for k in index_keys)  # type: ignore[operator]
            in_new = bool(new) and all(k in new for k in index_keys)  # type: ignore[operator]
            if in_old and in_new:
                moved = any(old[k] != new[k] for k in index_keys)  # type: ignore[index]
                units += (
                    write_units(item_size(old)) + write_units(item_size(new)) if moved else write_units(item_size(new))
                )
            elif in_old:
                units += write_units(item_size(old))
            elif in_new:
                units += write_units(item_size(new))
        return units


@dataclass
class Recorder:
    """Hooks on boto3's default session; records only while ``active``."""

    active: bool = False
    calls: list[Call] = field(default_factory=list)
    capacity: _Capacity | None = None

    def install(self) -> None:
        """Call before any client exists: clients copy their session's hooks when they are made."""
        boto3.setup_default_session(region_name=REGION)
        session = boto3.DEFAULT_SESSION
        assert session is not None  # set up on the line above
        self._session = session
        events = session.events
        events.register("provide-client-params", self._before)
        events.register("after-call", self._after)

    def installed(self) -> bool:
        return getattr(self, "_session", None) is not None and boto3.DEFAULT_SESSION is self._session

    def price_with(self, found: Resources) -> None:
        self.capacity = _Capacity(found)

    def _before(self, params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        if not self.active:
            return
        call = Call(model.service_model.service_name, model.name, copy.deepcopy(params))
        if context.get("is_presign_request"):
            call.presign = True
            self.calls.append(call)
            return
        context["bench_call"] = call
        if self.capacity is not None and call.service == "dynamodb" and call.operation in _WRITES:
            context["bench_old"] = self.capacity.current(call.operation, call.params)
        self.calls.append(call)

    def _after(self, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        call: Call | None = context.get("bench_call")
        if call is None:
            return
        error = parsed.get("Error") or {}
        if error:
            call.ok, call.error_code = False, error.get("Code")
        if self.capacity is not None:
            self.capacity.price(call, context.get("bench_old"), parsed)

    def record(self) -> _Recording:
        return _Recording(self)


class _Recording:
    def __init__(self, recorder: Recorder) -> None:
        self._recorder = recorder
        self.calls: list[Call] = []

    def __enter__(self) -> _Recording:
        self._recorder.calls = self.calls
        self._recorder.active = True
        return self

    def __exit__(self, *exc: object) -> None:
        self._recorder.active = False


def summarize(calls: list[Call]) -> dict[str, Any]:
    """Counts per service.operation, and request units (None where they cannot be computed)."""
    counts: dict[str, int] = {}
    presigned: dict[str, int] = {}
    for call in calls:
        bucket = presigned if call.presign else counts
        bucket[call.label] = bucket.get(call.label, 0) + 1
    dynamodb = [c for c in calls if c.service == "dynamodb"]
    known = all(c.units_known for c in dynamodb)
    return {
        "total": sum(counts.values()),
        "presigned": presigned,
        "by_operation": counts,
        "read_units": sum(c.read_units for c in dynamodb) if known else None,
        "write_units": sum(c.write_units for c in dynamodb) if known else None,
        "failed": [c.label + (f" ({c.error_code})" if c.error_code else "") for c in calls if not c.ok],
    }


def jsonable(calls: list[Call]) -> list[dict[str, Any]]:
    """The calls as JSON for the floor process (bytes as base64, Decimals as strings)."""

    def encode(value: Any) -> Any:
        if isinstance(value, bytes):
            return {"__bytes__": base64.b64encode(value).decode()}
        if isinstance(value, Decimal):
            return {"__decimal__": str(value)}
        if isinstance(value, dict):
            return {k: encode(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [encode(v) for v in value]
        return value

    return [
        {"service": c.service, "operation": c.operation, "params": encode(c.params), "ok": c.ok, "presign": c.presign}
        for c in calls
    ]

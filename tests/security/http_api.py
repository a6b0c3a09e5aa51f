"""Calling the local stack's GraphQL endpoint over HTTP (127.0.0.1 only), as any client would.

Callers come from tests/e2e/conftest.py (Cognito sign-up and sign-in, identity-pool guests with
SigV4); this module builds each operation's document from the schema and keeps the raw answer
(status and text), so tests can check what exactly went over the wire.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import requests

from tests.e2e.conftest import REQUEST_TIMEOUT_SECONDS, Caller, Stack
from tests.security.operations import Operation

# What each return type's answer selects; a new return type needs its line here.
SELECTION = {
    "Order": "orderId customerId status errorMessage",
    "OrderConnection": "items { orderId customerId status } nextToken",
    "Album": "albumId customerId status",
    "AlbumConnection": "items { albumId customerId status } nextToken",
    "Collage": "collageId customerId status",
    "CollageConnection": "items { collageId customerId status } nextToken",
    "PresignedUpload": "s3Key expiresIn presignedUrl",
    "Photo": "key fileName url thumbnailUrl",
    "PhotoConnection": "items { key fileName url thumbnailUrl } nextToken",
    "EmailPreferences": "orderEmails",
    "Stats": "from to days { date ordersCreated revenue { currency amount } } totals { date ordersCreated }",
    "Checkout": "orderId provider status amount currency declineReason",  # SPEC 12
}
LOOPBACK = {"127.0.0.1", "localhost"}


def document(operation: Operation, variables: dict[str, Any]) -> str:
    declared = [a for a in operation.arguments if a.name in variables]
    definitions = ", ".join(f"${a.name}: {a.graphql_type}" for a in declared)
    arguments = ", ".join(f"{a.name}: ${a.name}" for a in declared)
    keyword = "query" if operation.type_name == "Query" else "mutation"
    head = f"{keyword} Op({definitions})" if declared else f"{keyword} Op"
    call = f"{operation.field}({arguments})" if declared else operation.field
    return f"{head} {{ {call} {{ {SELECTION[operation.returns]} }} }}"


@dataclass
class Answer:
    status: int
    text: str

    @property
    def body(self) -> dict[str, Any]:
        return json.loads(self.text)  # type: ignore[no-any-return]

    @property
    def error_types(self) -> list[str | None]:
        try:
            return [e.get("errorType") for e in self.body.get("errors") or []]
        except ValueError:
            return ["<not JSON>"]

    def data(self, field: str) -> Any:
        return (self.body.get("data") or {}).get(field)


def post(
    stack: Stack, caller: Caller | None, query: str, variables: dict[str, Any], timeout: float = REQUEST_TIMEOUT_SECONDS
) -> Answer:
    """One GraphQL request; ``caller`` None sends no credentials at all."""
    assert urlparse(stack.graphql_url).hostname in LOOPBACK, stack.graphql_url  # never anywhere else
    request = requests.Request(
        "POST",
        stack.graphql_url,
        data=json.dumps({"query": query, "variables": variables}),
        headers={"Content-Type": "application/json"},
    ).prepare()
    if caller is not None:
        caller.sign(request)
    with requests.Session() as session:
        response = session.send(request, timeout=timeout)
    return Answer(response.status_code, response.text)


def call(stack: Stack, caller: Caller | None, operation: Operation, variables: dict[str, Any]) -> Answer:
    return post(stack, caller, document(operation, variables), variables)

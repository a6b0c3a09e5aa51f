"""Schema-driven fuzzing (issue 22, item 6): hypothesis-graphql writes valid queries and mutations
for every operation of graphql/schema.graphql, with hostile values for AppSync's scalars, and
each goes to the local stack as a customer, a guest and an admin.

A case fails on any 5xx, any error type outside SPEC 2's (and AppSync's own authorization and
limit errors), and any leak (stack trace, file path, AWS text). Fixed seed, a bounded number of
examples per operation and caller; the count of requests per operation is printed (-s / -rP).
"""

from __future__ import annotations

import collections
from typing import Any

import pytest
import requests
from graphql import GraphQLObjectType
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from hypothesis_graphql import from_schema, nodes

from devtools.local_stack.graphql_server import build_appsync_schema
from devtools.template import ROOT
from tests.e2e.conftest import Caller, Stack, guest, user
from tests.security.faults import LEAK_MARKERS

pytestmark = pytest.mark.e2e

EXAMPLES_PER_OPERATION = 4
SPEC_ERRORS = {"ValidationError", "NotFound", "Forbidden", "Conflict"}
# AppSync's own answers: the field's @aws_* directives, QueryDepthLimit, ResolverCountLimit.
APPSYNC_ERRORS = {"Unauthorized", "UnauthorizedException", "QueryDepthLimitReached", "ResolverExecutionLimitReached"}

SCHEMA = build_appsync_schema((ROOT / "graphql" / "schema.graphql").read_text())
hostile_text = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["", "../../etc/passwd", "NaN", "\ud800", "9" * 5000, "[" * 2000, '{"a": NaN}', "<script>"]),
)
SCALARS = {
    name: hostile_text.map(nodes.String)
    for name in ("AWSDate", "AWSTime", "AWSDateTime", "AWSEmail", "AWSJSON", "AWSURL", "AWSPhone", "AWSIPAddress")
} | {"AWSTimestamp": st.integers(min_value=-(2**31), max_value=2**31 - 1).map(nodes.Int)}


def _fields(type_: GraphQLObjectType | None) -> list[str]:
    return sorted(type_.fields) if type_ is not None else []


OPERATIONS = [("Query", name) for name in _fields(SCHEMA.query_type)] + [
    ("Mutation", name) for name in _fields(SCHEMA.mutation_type)
]
SENT: collections.Counter[str] = collections.Counter()


@pytest.fixture(scope="module")
def callers(stack: Stack) -> dict[str, Caller]:
    return {"customer": user(stack), "guest": guest(stack), "admin": user(stack, admin=True)}


def _send(stack: Stack, caller: Caller, query: str) -> requests.Response:
    request = requests.Request(
        "POST", stack.graphql_url, json={"query": query}, headers={"Content-Type": "application/json"}
    ).prepare()
    caller.sign(request)
    return requests.Session().send(request, timeout=60)


def _check(field: str, role: str, query: str, response: requests.Response) -> None:
    context = (field, role, query[:300], response.text[:500])
    assert response.status_code < 500, context
    assert "text/html" not in response.headers.get("Content-Type", ""), context
    assert [marker for marker in LEAK_MARKERS if marker in response.text and marker not in query] == [], context
    body: dict[str, Any] = response.json()
    types = {error.get("errorType") for error in body.get("errors") or []}
    if response.status_code == 200:
        assert types <= SPEC_ERRORS | APPSYNC_ERRORS, context
    else:  # a request error (400): GraphQL validation or a malformed body, typed or untyped, never ours
        assert "InternalError" not in types, context


@pytest.mark.parametrize(("type_name", "field"), OPERATIONS, ids=[f for _, f in OPERATIONS])
@pytest.mark.parametrize("role", ["customer", "guest", "admin"])
def test_generated_operations_never_fail_outside_spec(
    type_name: str, field: str, role: str, stack: Stack, callers: dict[str, Caller]
) -> None:
    strategy = from_schema(SCHEMA, fields=[field], custom_scalars=SCALARS)

    @seed(22)
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )
    @given(query=strategy)
    def fuzz(query: str) -> None:
        SENT[field] += 1
        _check(field, role, query, _send(stack, callers[role], query))

    fuzz()


def test_zz_report_requests_per_operation() -> None:
    """Printed for the closing note: how many generated requests each operation received."""
    for field, count in sorted(SENT.items()):
        print(f"schema fuzz: {field} {count}")
    print(f"schema fuzz: total {sum(SENT.values())} requests, {len(SENT)} operations")

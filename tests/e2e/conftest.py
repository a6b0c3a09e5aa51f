"""A local stack for the end-to-end tests: started once per session on free ports, in a subprocess.

The tests talk to it only over HTTP, as a frontend would: Cognito sign-up and sign-in, the
identity pool for guests, GraphQL with an id token or SigV4, presigned PUTs to S3.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.local_stack_process import RunningStack, running_stack

ROOT = Path(__file__).resolve().parents[2]
# Margins, never measurements: a busy machine (several pytest workers, each starting its own stack,
# beside other jobs) can take many times longer than an idle one. What must be fast is in `make bench`.
START_TIMEOUT_SECONDS = 180
# The least time `eventually` waits for asynchronous work (streams, queues, workers) before it gives up.
EVENTUALLY_FLOOR_SECONDS = 120.0
# One HTTP request to the stack: a function's cold start on a busy machine can take tens of seconds.
REQUEST_TIMEOUT_SECONDS = 120
PASSWORD = "E2e-Passw0rd-long"


@dataclass
class Stack:
    """What `.local/stack.json` describes, for the stack this session started."""

    graphql_url: str
    aws_endpoint: str
    region: str
    user_pool_id: str
    client_id: str
    identity_pool_id: str
    bucket: str
    description: dict[str, Any]
    log: Path
    amplify_outputs: Path  # the amplify_outputs.json the stack wrote

    def client(self, service: str) -> Any:
        # Any credentials do for moto's own APIs; the local stack checks only what AWS would.
        return boto3.client(
            service,  # type: ignore[call-overload]
            endpoint_url=self.aws_endpoint,
            region_name=self.region,
            aws_access_key_id="e2e",
            aws_secret_access_key="e2e",
        )


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    # SPEC 12: the session's stack keeps the sandbox (processOrder charges); payments' e2e start a stripe one.
    provider = os.environ.get("PAYMENT_PROVIDER", "sandbox")
    folder = tmp_path_factory.mktemp("local-stack")
    # Debug level: the log holds each request's trace segments (devtools/local_stack/traces.py).
    with running_stack(folder, "--log-level=debug", environment={"PAYMENT_PROVIDER": provider}) as running:
        yield stack_of(running)


@contextmanager
def module_stack(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[Stack]:
    """A sandbox stack for one module, for a module whose cost grows with what earlier tests left
    in the session's stack (moto's queries and scans read every item of a table)."""
    with running_stack(tmp_path_factory.mktemp(name), environment={"PAYMENT_PROVIDER": "sandbox"}) as running:
        yield stack_of(running)


def stack_of(running: RunningStack) -> Stack:
    description = running.description
    return Stack(
        graphql_url=description["graphqlUrl"],
        aws_endpoint=description["awsEndpoint"],
        region=description["region"],
        user_pool_id=description["userPoolId"],
        client_id=description["userPoolClientId"],
        identity_pool_id=description["identityPoolId"],
        bucket=description["bucketName"],
        description=description,
        log=running.log,
        amplify_outputs=running.amplify_outputs,
    )


# ---- callers ---------------------------------------------------------------------------------------


@dataclass
class GraphQLResponse:
    status: int
    body: dict[str, Any]

    @property
    def data(self) -> Any:
        assert self.status == 200, self.body
        assert "errors" not in self.body, self.body["errors"]
        return self.body["data"]

    @property
    def error_types(self) -> list[str | None]:
        return [error.get("errorType") for error in self.body.get("errors", [])]


@dataclass
class Caller:
    """Someone calling the API: a signed-in user (id token) or a guest (SigV4)."""

    stack: Stack
    sign: Callable[[requests.PreparedRequest], None]
    owner_id: str

    def graphql(self, query: str, variables: dict[str, Any] | None = None) -> GraphQLResponse:
        request = requests.Request(
            "POST",
            self.stack.graphql_url,
            data=json.dumps({"query": query, "variables": variables or {}}),
            headers={"Content-Type": "application/json"},
        ).prepare()
        self.sign(request)
        response = requests.Session().send(request, timeout=REQUEST_TIMEOUT_SECONDS)
        return GraphQLResponse(response.status_code, response.json())


def sign_up(stack: Stack, *, admin: bool = False) -> tuple[str, str]:
    """A new user of the pool, confirmed and signed in: (sub, id token)."""
    cognito = stack.client("cognito-idp")
    email = f"e2e-{uuid.uuid4().hex[:10]}@example.com"
    sub = cognito.sign_up(
        ClientId=stack.client_id,
        Username=email,
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": email}],
    )["UserSub"]
    cognito.admin_confirm_sign_up(UserPoolId=stack.user_pool_id, Username=email)
    if admin:
        cognito.admin_add_user_to_group(UserPoolId=stack.user_pool_id, Username=email, GroupName="admins")
    tokens = cognito.initiate_auth(
        ClientId=stack.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    return sub, tokens["IdToken"]


def user(stack: Stack, *, admin: bool = False) -> Caller:
    sub, token = sign_up(stack, admin=admin)

    def sign(request: requests.PreparedRequest) -> None:
        request.headers["Authorization"] = token  # raw, as AppSync expects (no "Bearer")

    return Caller(stack, sign, sub)


def sigv4_signer(stack: Stack, credentials: Credentials) -> Callable[[requests.PreparedRequest], None]:
    def sign(request: requests.PreparedRequest) -> None:
        aws_request = AWSRequest(
            method=request.method, url=request.url, data=request.body, headers=dict(request.headers)
        )
        SigV4Auth(credentials, "appsync", stack.region).add_auth(aws_request)
        request.headers.update(dict(aws_request.headers))

    return sign


def guest_credentials(stack: Stack) -> tuple[str, Credentials]:
    """An identity-pool guest: (cognitoIdentityId, its temporary credentials)."""
    identity = stack.client("cognito-identity")
    identity_id = identity.get_id(IdentityPoolId=stack.identity_pool_id)["IdentityId"]
    issued = identity.get_credentials_for_identity(IdentityId=identity_id)["Credentials"]
    return identity_id, Credentials(issued["AccessKeyId"], issued["SecretKey"], issued["SessionToken"])


def guest(stack: Stack) -> Caller:
    identity_id, credentials = guest_credentials(stack)
    return Caller(stack, sigv4_signer(stack, credentials), identity_id)


def eventually(check: Callable[[], Any], *, timeout: float = EVENTUALLY_FLOOR_SECONDS, interval: float = 0.2) -> Any:
    """Poll until ``check`` returns something truthy (asynchronous processing), bounded in time.

    ``timeout`` is a margin against hanging, never a measurement: a shorter one than
    ``EVENTUALLY_FLOOR_SECONDS`` is raised to it, so a test written on an idle machine does not fail
    on a busy one. A passing check returns as soon as it holds, so the margin costs nothing.
    """
    deadline = time.monotonic() + max(timeout, EVENTUALLY_FLOOR_SECONDS)
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(interval)


# Named apart from tests/conftest.py's identity fixtures (customer, admin, guest), which are
# AppSync identity blocks for unit tests; these are real callers over HTTP.


@pytest.fixture
def customer_caller(stack: Stack) -> Caller:
    return user(stack)


@pytest.fixture
def admin_caller(stack: Stack) -> Caller:
    return user(stack, admin=True)


@pytest.fixture
def guest_caller(stack: Stack) -> Caller:
    return guest(stack)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The Amplify client suite's own summary (tests/e2e/test_amplify_client.py), so `make test` shows it."""
    lines = [
        line
        for outcome in ("passed", "failed")
        for report in terminalreporter.stats.get(outcome, [])
        if report.when == "call"
        for name, value in getattr(report, "user_properties", [])
        if name == "amplify_client_summary"
        for line in value
    ]
    if lines:
        terminalreporter.section("real Amplify client (tests/amplify)")
        for line in lines:
            terminalreporter.write_line(line)

"""The local stack's app server and the Cognito CORS a browser app needs, without a browser."""

from __future__ import annotations

import json
from pathlib import Path

from werkzeug.test import Client

from devtools.local_stack.app_server import AppServer, served_outputs
from devtools.local_stack.aws_front import AwsFront, MotoProxy

OUTPUTS = {"version": "1.4", "data": {"url": "http://127.0.0.1:4000/graphql"}, "custom": {"local": {"a": 1}}}


def _dist(tmp_path: Path) -> Path:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>booth</title>")
    (dist / "assets" / "index-abc123.js").write_text("console.log('booth')")
    (tmp_path / "secret.txt").write_text("outside the build")
    return dist


def test_the_build_is_served_with_index_html_for_app_routes_and_nothing_outside_it(tmp_path: Path) -> None:
    client = Client(AppServer(_dist(tmp_path), lambda: OUTPUTS))
    index = client.get("/")
    assert (index.status_code, index.headers["Content-Type"]) == (200, "text/html; charset=utf-8")
    assert index.headers["Cache-Control"] == "no-cache"
    asset = client.get("/assets/index-abc123.js")
    assert asset.get_data(as_text=True) == "console.log('booth')"
    assert "immutable" in asset.headers["Cache-Control"]  # hashed names never change content
    assert client.get("/albums/some-route").get_data(as_text=True) == index.get_data(as_text=True)
    escaped = client.get("/../secret.txt")
    assert "outside the build" not in escaped.get_data(as_text=True)
    assert client.post("/").status_code == 405


def test_the_outputs_file_is_the_stacks_with_its_payment_names_in_custom_local(tmp_path: Path) -> None:
    description = {"graphqlUrl": "x", "stripeJsUrl": "http://127.0.0.1:1/js", "stripePublishableKey": "pk_test_1"}
    client = Client(AppServer(_dist(tmp_path), lambda: served_outputs(OUTPUTS, description)))
    answer = client.get("/amplify_outputs.json")
    assert answer.headers["Cache-Control"] == "no-store"
    assert json.loads(answer.get_data()) == {
        **OUTPUTS,
        "custom": {"local": {"a": 1, "stripeJsUrl": "http://127.0.0.1:1/js", "stripePublishableKey": "pk_test_1"}},
    }
    assert served_outputs(OUTPUTS, {"graphqlUrl": "x"}) == OUTPUTS  # no payments described: unchanged


def test_an_unbuilt_app_says_how_to_build_it(tmp_path: Path) -> None:
    answer = Client(AppServer(tmp_path / "missing", lambda: OUTPUTS)).get("/")
    assert answer.status_code == 503
    assert "make run" in answer.get_data(as_text=True)


def test_cognito_calls_answer_a_browsers_preflight_and_expose_amplifys_error_headers() -> None:
    front = AwsFront(MotoProxy("http://127.0.0.1:9"), identity_issuer=None, s3_front=None)
    preflight = Client(front).options(
        "/",
        headers={
            "Origin": "http://localhost:3000",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-amz-target,x-amz-user-agent",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert preflight.headers["Access-Control-Allow-Headers"] == "content-type,x-amz-target,x-amz-user-agent"
    assert "x-amzn-errortype" in preflight.headers["Access-Control-Expose-Headers"]

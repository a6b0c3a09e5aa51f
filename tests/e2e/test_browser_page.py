"""The page at / : GraphiQL served from the local install (no CDN), or the plain query page."""

from __future__ import annotations

import pytest
import requests

from devtools.local_stack.graphql_server import GRAPHIQL_ASSETS, graphiql_installed
from tests.e2e.conftest import Stack

pytestmark = pytest.mark.e2e


def base_url(stack: Stack) -> str:
    return stack.graphql_url.removesuffix("/graphql")


def test_the_page_is_graphiql_when_installed_else_the_query_page(stack: Stack) -> None:
    page = requests.get(f"{base_url(stack)}/", timeout=60)
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    if graphiql_installed():
        assert "/graphiql/graphiql.min.js" in page.text
        assert "cdn" not in page.text.lower()  # everything is served locally
    else:
        assert "local GraphQL" in page.text


@pytest.mark.skipif(not graphiql_installed(), reason="GraphiQL not installed (no npm): `make graphiql`")
def test_graphiql_assets_are_served_and_nothing_else(stack: Stack) -> None:
    for name in GRAPHIQL_ASSETS:
        asset = requests.get(f"{base_url(stack)}/graphiql/{name}", timeout=60)
        assert asset.status_code == 200, name
        assert len(asset.content) > 1000, name
    for other in ("package.json", "../../template.yaml", "%2e%2e/%2e%2e/template.yaml", "graphiql.js"):
        assert requests.get(f"{base_url(stack)}/graphiql/{other}", timeout=60).status_code == 404, other


def test_introspection_needs_a_credential_like_any_query(stack: Stack) -> None:
    """GraphiQL's schema explorer works after sign-in; without a token the API says 401."""
    query = {"query": "{ __schema { queryType { name } } }"}
    assert requests.post(stack.graphql_url, json=query, timeout=60).status_code == 401

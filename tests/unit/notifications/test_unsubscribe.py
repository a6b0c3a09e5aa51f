"""One-click unsubscribe: signed tokens, refused when tampered or expired, and the endpoint that
can only turn emails off; the preferences operations for signed-in customers."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ape_moments.notifications import tokens
from ape_moments.notifications.preferences import PreferencesRepository
from tests.conftest import FakeContext, call, load_handler
from tests.unit.notifications.conftest import Mail

NOW = datetime(2026, 12, 3, 6, 0, tzinfo=UTC)
SECRET = b"k" * 64


def test_a_token_names_its_switch_until_it_expires() -> None:
    token = tokens.sign(SECRET, "customer#abc", NOW)
    assert tokens.verify(SECRET, token, NOW + timedelta(days=364)) == "customer#abc"
    with pytest.raises(tokens.InvalidToken, match="expired"):
        tokens.verify(SECRET, token, NOW + tokens.TOKEN_LIFETIME + timedelta(seconds=1))


def _forge(payload: dict[str, Any], signature: str) -> str:
    encoded = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    return f"{encoded}.{signature}"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # signature changed
        lambda t: _forge({"k": "customer#someone-else", "x": 9_999_999_999}, t.split(".")[1]),  # payload swapped
        lambda t: tokens.sign(b"another secret", "customer#abc", NOW),  # signed with another key
        lambda t: t.split(".")[0],  # signature dropped
        lambda t: t + ".extra",
        lambda t: "",
        lambda t: "x" * 5000,
        lambda t: "%%%.%%%",
    ],
)
def test_a_tampered_token_is_refused(tamper: Any) -> None:
    token = tokens.sign(SECRET, "customer#abc", NOW)
    with pytest.raises(tokens.InvalidToken):
        tokens.verify(SECRET, tamper(token), NOW)


def _url_event(method: str, token: str | None, body: str | None = None) -> dict[str, Any]:
    return {
        "requestContext": {"http": {"method": method}},
        "queryStringParameters": {"token": token} if token is not None else None,
        "body": body,
        "isBase64Encoded": False,
    }


def _items(mail: Mail) -> list[dict[str, Any]]:
    return list(mail.aws.dynamodb.scan(TableName="EmailPreferencesTable")["Items"])


def test_get_shows_a_button_and_changes_nothing_post_turns_emails_off(mail: Mail) -> None:
    handler = load_handler("unsubscribe").lambda_handler
    token = tokens.sign(mail.secret, "address#guest@example.org", datetime.now(UTC))
    page = handler(_url_event("GET", token), FakeContext())
    assert page["statusCode"] == 200
    assert '<form method="post">' in page["body"]
    assert _items(mail) == []  # link scanners fetch links: GET never unsubscribes
    done = handler(_url_event("POST", token, "List-Unsubscribe=One-Click"), FakeContext())
    assert done["statusCode"] == 200
    repository = PreferencesRepository("EmailPreferencesTable", mail.aws.dynamodb)
    assert repository.order_emails("address#guest@example.org") is False
    # the page's own button posts the token in the form body
    form_token = tokens.sign(mail.secret, "customer#abc", datetime.now(UTC))
    body = base64.b64encode(f"token={form_token}".encode()).decode()
    event = {**_url_event("POST", None), "body": body, "isBase64Encoded": True}
    assert handler(event, FakeContext())["statusCode"] == 200
    assert repository.order_emails("customer#abc") is False


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_tampered_or_expired_link_gets_400_and_changes_nothing(mail: Mail, method: str) -> None:
    handler = load_handler("unsubscribe").lambda_handler
    token = tokens.sign(mail.secret, "customer#abc", datetime.now(UTC))
    tampered = _forge({"k": "customer#victim", "x": 9_999_999_999}, token.split(".")[1])
    expired = tokens.sign(mail.secret, "customer#abc", datetime.now(UTC) - tokens.TOKEN_LIFETIME - timedelta(days=1))
    for bad in (tampered, expired, "", None):
        answer = handler(_url_event(method, bad), FakeContext())
        assert answer["statusCode"] == 400
        assert "customer#" not in answer["body"]
    assert _items(mail) == []


def test_the_endpoint_refuses_other_methods(mail: Mail) -> None:
    token = tokens.sign(mail.secret, "customer#abc", datetime.now(UTC))
    answer = load_handler("unsubscribe").lambda_handler(_url_event("DELETE", token), FakeContext())
    assert answer["statusCode"] == 405
    assert _items(mail) == []


def test_a_customer_reads_and_sets_their_own_switch(mail: Mail, customer: dict[str, Any], other_customer: Any) -> None:
    assert call("emailPreferences", {}, customer) == {"orderEmails": True}  # on by default
    assert call("setEmailPreferences", {"orderEmails": False}, customer) == {"orderEmails": False}
    assert call("emailPreferences", {}, customer) == {"orderEmails": False}
    assert call("emailPreferences", {}, other_customer) == {"orderEmails": True}  # theirs is their own
    assert call("setEmailPreferences", {"orderEmails": True}, customer) == {"orderEmails": True}
    [item] = _items(mail)
    assert item["preferenceKey"]["S"] == f"customer#{customer['sub']}"


def test_guests_have_no_preferences(mail: Mail, guest: dict[str, Any]) -> None:
    from ape_moments.errors import Forbidden

    with pytest.raises(Forbidden):
        call("emailPreferences", {}, guest)
    with pytest.raises(Forbidden):
        call("setEmailPreferences", {"orderEmails": False}, guest)
    assert _items(mail) == []


@pytest.mark.parametrize("value", ["false", 0, None, [False]])
def test_set_email_preferences_takes_a_boolean(mail: Mail, customer: dict[str, Any], value: Any) -> None:
    from ape_moments.errors import ValidationError

    with pytest.raises(ValidationError, match="orderEmails"):
        call("setEmailPreferences", {"orderEmails": value}, customer)
    assert _items(mail) == []

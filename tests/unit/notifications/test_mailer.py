"""The mailer against moto's SES v2, DynamoDB, Cognito and Secrets Manager: one email per change
and kind, under redelivery, concurrency and throttling; headers, links and escaping."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from botocore.exceptions import ClientError

from ape_moments import aws as aws_clients
from ape_moments.notifications import wiring
from ape_moments.notifications.ledger import SendLedger
from ape_moments.notifications.mailer import Mailer, SendInFlight
from ape_moments.notifications.preferences import PreferencesRepository
from ape_moments.notifications.rules import Notice, notice_for
from tests.conftest import FakeContext, load_handler, sqs_event
from tests.unit.notifications.changes import GUEST, album, change, collage, order
from tests.unit.notifications.conftest import APP_URL, CUSTOMER_EMAIL, SENDER, UNSUBSCRIBE_URL, Mail

ORDER_ID = "6b1f0c2e-7a3d-4e5f-8a9b-0c1d2e3f4a5b"


def notice_of(kind: str, old: dict[str, Any], new: dict[str, Any], event_id: str | None = None) -> Notice:
    notice = notice_for(change(kind, old, new, event_id=event_id))
    assert notice is not None
    return notice


def parts(message: Any) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


def test_an_order_paid_email_names_the_order_carries_its_id_and_one_click_unsubscribe(mail: Mail) -> None:
    message_id = wiring.mailer().deliver(notice_of("order", order("PENDING"), order("PROCESSING")))
    assert message_id
    [sent] = mail.sent()
    assert sent["To"] == "jamie@example.com"
    assert SENDER in sent["From"]
    assert sent["Subject"] == f"Your order {ORDER_ID[:8]} is paid"
    text, html = parts(sent)
    assert ORDER_ID in text  # the full id in the text part
    assert "12.50 EUR" in text
    assert "3 items" in text
    assert f"{APP_URL}/orders/{ORDER_ID}" in text
    assert f'href="{APP_URL}/orders/{ORDER_ID}"' in html
    assert "X-Amz-Signature" not in text + html  # never a presigned URL
    unsubscribe = sent["List-Unsubscribe"]
    assert unsubscribe.startswith(f"<{UNSUBSCRIBE_URL}?token=")
    assert unsubscribe.endswith(">")
    assert sent["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe[1:-1] in text  # the same link in the body, for people


@pytest.mark.parametrize(
    ("old", "new", "subject", "phrase"),
    [
        (order("PROCESSING"), order("COMPLETED"), f"Your order {ORDER_ID[:8]} is ready", "is complete"),
        (
            order("PROCESSING"),
            order("FAILED", errorMessage="a photo is gone; the payment was refunded"),
            f"Your order {ORDER_ID[:8]} could not be completed",
            "Your payment was refunded in full",
        ),
        (
            order("PENDING"),
            order("FAILED", errorMessage="cancelled"),
            f"Your order {ORDER_ID[:8]} could not be completed",
            "Nothing was charged",
        ),
    ],
)
def test_order_completed_and_failed_emails(mail: Mail, old: Any, new: Any, subject: str, phrase: str) -> None:
    wiring.mailer().deliver(notice_of("order", old, new))
    [sent] = mail.sent()
    assert sent["Subject"] == subject
    text, html = parts(sent)
    assert phrase in text
    assert phrase in html
    assert ORDER_ID in text


def test_album_and_collage_ready_mail_their_signed_in_owner(mail: Mail) -> None:
    owner = mail.customer_sub
    wiring.mailer().deliver(notice_of("album", album("PROCESSING", owner=owner), album("COMPLETED", owner=owner)))
    wiring.mailer().deliver(notice_of("collage", collage("PROCESSING", owner=owner), collage("COMPLETED", owner=owner)))
    album_mail, collage_mail = mail.sent()
    assert album_mail["To"] == collage_mail["To"] == CUSTOMER_EMAIL
    assert album_mail["Subject"] == "Your album “Wedding” is ready"
    assert collage_mail["Subject"] == "Your collage “Booth strip” is ready"
    assert f"{APP_URL}/albums/a1b2c3d4" in parts(album_mail)[0]
    assert f"{APP_URL}/collages/c0ffee01" in parts(collage_mail)[0]


def test_an_owner_the_pool_does_not_know_gets_nothing(mail: Mail) -> None:
    stranger = "00000000-0000-4000-8000-000000000000"
    notice = notice_of("album", album("PROCESSING", owner=stranger), album("COMPLETED", owner=stranger))
    assert wiring.mailer().deliver(notice) is None
    assert mail.sent() == []


def test_names_with_html_arrive_escaped(mail: Mail) -> None:
    owner = mail.customer_sub
    name = '<script>alert("x")</script> & <b>friends</b>'
    wiring.mailer().deliver(
        notice_of("album", album("PROCESSING", owner=owner, name=name), album("COMPLETED", owner=owner, name=name))
    )
    [sent] = mail.sent()
    text, html = parts(sent)
    assert "<script>" not in html
    assert "<b>friends" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;friends&lt;/b&gt;" in html
    assert name in text  # plain text is not HTML: shown as typed
    assert sent["Subject"] == f"Your album “{name}” is ready"


def test_a_redelivered_change_sends_one_email(mail: Mail) -> None:
    notice = notice_of("order", order("PENDING"), order("PROCESSING"), event_id="ev-redelivered")
    first = wiring.mailer().deliver(notice)
    assert first is not None
    for _ in range(3):
        assert wiring.mailer().deliver(notice) is None
    assert len(mail.sent()) == 1
    [record] = mail.ledger()
    assert record["status"]["S"] == "SENT"
    assert record["messageId"]["S"] == first


def test_two_mailers_on_the_same_message_send_once(mail: Mail) -> None:
    notice = notice_of("order", order("PROCESSING"), order("COMPLETED"), event_id="ev-concurrent")
    config = wiring.mailer()._config
    mailers = [
        Mailer(
            config,
            ses=aws_clients.client("sesv2"),
            ledger=SendLedger("IdempotencyTable", aws_clients.client("dynamodb")),
            preferences=PreferencesRepository("EmailPreferencesTable", aws_clients.client("dynamodb")),
            owners=wiring.mailer()._owners,
            clock=lambda: datetime.now(UTC),
        )
        for _ in range(2)
    ]
    start = threading.Barrier(2)
    outcomes: list[object] = []

    def run(mailer: Mailer) -> None:
        start.wait()
        try:
            outcomes.append(mailer.deliver(notice))
        except SendInFlight as error:
            outcomes.append(error)

    threads = [threading.Thread(target=run, args=(m,)) for m in mailers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(outcomes) == 2
    assert sum(isinstance(o, str) for o in outcomes) == 1  # one sent; the other backed off or found it sent
    for mailer in mailers:  # the queue redelivers the loser's message: it finds SENT
        assert mailer.deliver(notice) is None
    assert len(mail.sent()) == 1


class ThrottledSes:
    """SES answering TooManyRequestsException ``times`` times (after botocore's own retries), then
    moto's SES."""

    def __init__(self, real: Any, times: int) -> None:
        self._real = real
        self.left = times

    def send_email(self, **request: Any) -> Any:
        if self.left:
            self.left -= 1
            raise ClientError({"Error": {"Code": "TooManyRequestsException", "Message": "slow down"}}, "SendEmail")
        return self._real.send_email(**request)


def test_throttled_sends_are_retried_never_lost_never_twice(mail: Mail) -> None:
    real = wiring.mailer()
    ses = ThrottledSes(aws_clients.client("sesv2"), times=2)
    mailer = Mailer(
        real._config,
        ses=ses,
        ledger=real._ledger,
        preferences=real._preferences,
        owners=real._owners,
        clock=real._clock,
    )
    notice = notice_of("order", order("PENDING"), order("PROCESSING"), event_id="ev-throttled")
    for _ in range(2):  # two deliveries fail: the claim is given back each time
        with pytest.raises(ClientError, match="TooManyRequests"):
            mailer.deliver(notice)
        assert mail.ledger() == []
    assert mailer.deliver(notice) is not None
    assert mailer.deliver(notice) is None
    assert len(mail.sent()) == 1


def test_the_sdk_retries_ses_throttling_itself_first() -> None:
    client = aws_clients.client("sesv2")
    assert client.meta.config.retries["mode"] == "standard"  # TooManyRequestsException is a throttle there


def test_a_customer_who_turned_emails_off_gets_none(mail: Mail) -> None:
    PreferencesRepository("EmailPreferencesTable", mail.aws.dynamodb).set_order_emails(
        "customer#3f6c2a1e-5b7d-4c1a-9e2f-8a4b6c0d1e2f", False, via="api"
    )
    assert wiring.mailer().deliver(notice_of("order", order("PENDING"), order("PROCESSING"))) is None
    assert mail.sent() == []
    assert mail.ledger() == []


def test_the_unsubscribe_link_turns_a_guests_emails_off(mail: Mail) -> None:
    guest_order = {"owner": GUEST, "contact": "guest@example.org"}
    wiring.mailer().deliver(notice_of("order", order("PENDING", **guest_order), order("PROCESSING", **guest_order)))
    [sent] = mail.sent()
    link = sent["List-Unsubscribe"][1:-1]
    token = parse_qs(urlparse(link).query)["token"][0]
    event = {
        "requestContext": {"http": {"method": "POST"}},
        "queryStringParameters": {"token": token},
        "body": "List-Unsubscribe=One-Click",
    }
    answer = load_handler("unsubscribe").lambda_handler(event, FakeContext())
    assert answer["statusCode"] == 200
    wiring.mailer().deliver(notice_of("order", order("PROCESSING", **guest_order), order("COMPLETED", **guest_order)))
    assert len(mail.sent()) == 1  # the completed email was suppressed


def test_the_handler_reports_a_failed_message_alone(mail: Mail, monkeypatch: pytest.MonkeyPatch) -> None:
    from ape_moments.notifications.reaction import NotificationsReaction

    reaction = NotificationsReaction(mail.email_queue_url, mail.aws.sqs)
    good = change("order", order("PENDING"), order("PROCESSING"), event_id="ev-good")
    assert reaction.wants(good)
    reaction.react(good)
    reaction.react(good)  # the stream delivered the change twice
    mail.aws.sqs.send_message(QueueUrl=mail.email_queue_url, MessageBody='{"not": "a notice"}')
    messages = mail.aws.sqs.receive_message(
        QueueUrl=mail.email_queue_url, MaxNumberOfMessages=10, AttributeNames=["All"]
    )["Messages"]
    assert len(messages) == 3
    queue_arn = "arn:aws:sqs:us-east-1:123456789012:emails"
    result = load_handler("mailer").lambda_handler(sqs_event(messages, queue_arn), FakeContext())
    bad = next(m["MessageId"] for m in messages if "not" in m["Body"])
    assert result["batchItemFailures"] == [{"itemIdentifier": bad}]
    assert len(mail.sent()) == 1


def test_the_change_stream_factory_builds_the_reaction_from_its_settings(mail: Mail) -> None:
    from ape_moments.settings import EmailQueueSettings

    reaction = wiring.notifications(EmailQueueSettings.from_environment())
    assert reaction.name == "notifications"
    removed = change("order", order("COMPLETED"), None)
    assert not reaction.wants(removed)
    reaction.react(change("order", order("PROCESSING"), order("COMPLETED"), event_id="ev-factory"))
    [message] = mail.aws.sqs.receive_message(QueueUrl=mail.email_queue_url, MaxNumberOfMessages=10)["Messages"]
    assert Notice.model_validate_json(message["Body"]).idempotency_key == "email#ev-factory#order_completed"

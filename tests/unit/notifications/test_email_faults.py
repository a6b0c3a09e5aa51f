"""The fault sweep for emails: changes redelivered, sends failing once, two mailers at once.
Counts duplicates and lost emails over a bounded run; both must be 0."""

from __future__ import annotations

import random
import threading
from collections import Counter
from typing import Any

from botocore.exceptions import ClientError

from ape_moments import aws as aws_clients
from ape_moments.notifications import wiring
from ape_moments.notifications.ledger import SendLedger
from ape_moments.notifications.mailer import Mailer, SendInFlight
from ape_moments.notifications.reaction import NotificationsReaction
from ape_moments.notifications.rules import Notice
from tests.unit.notifications.changes import GUEST, change, order
from tests.unit.notifications.conftest import Mail

CHANGES = 12
MAX_ROUNDS = 20  # each round drains the queue once; bounded


class FlakySes:
    """Fails the first send of every other recipient (SES throttled), then sends."""

    def __init__(self, real: Any) -> None:
        self._real = real
        self._failed: set[str] = set()
        self._lock = threading.Lock()

    def send_email(self, **request: Any) -> Any:
        recipient = request["Destination"]["ToAddresses"][0]
        with self._lock:
            fail = recipient.endswith("-even@example.org") and recipient not in self._failed
            self._failed.add(recipient)
        if fail:
            raise ClientError({"Error": {"Code": "TooManyRequestsException", "Message": "slow"}}, "SendEmail")
        return self._real.send_email(**request)


def test_redelivery_failures_and_concurrency_lose_nothing_and_send_nothing_twice(mail: Mail) -> None:
    rng = random.Random(20261203)
    sqs = mail.aws.sqs
    reaction = NotificationsReaction(mail.email_queue_url, sqs)
    expected: set[str] = set()
    for n in range(CHANGES):
        address = f"guest{n}-{'even' if n % 2 == 0 else 'odd'}@example.org"
        owner = {"owner": GUEST, "contact": address}
        paid = change("order", order("PENDING", **owner), order("PROCESSING", **owner), event_id=f"paid-{n}")
        done = change("order", order("PROCESSING", **owner), order("COMPLETED", **owner), event_id=f"done-{n}")
        for one in (paid, done):
            expected.add(f"{address}|{one.change_id}")
            for _ in range(rng.randint(1, 3)):  # the stream redelivers the change
                reaction.react(one)

    real = wiring.mailer()
    ses = FlakySes(aws_clients.client("sesv2"))
    mailers = [
        Mailer(
            real._config,
            ses=ses,
            ledger=SendLedger("IdempotencyTable", aws_clients.client("dynamodb")),  # its own claimant
            preferences=real._preferences,
            owners=real._owners,
            clock=real._clock,
        )
        for _ in range(2)
    ]
    failures = Counter[str]()
    lock = threading.Lock()
    for _ in range(MAX_ROUNDS):
        messages = sqs.receive_message(QueueUrl=mail.email_queue_url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            break

        def attempt(mailer: Mailer, notice: Notice) -> bool:
            """True when this delivery finished (sent, or found sent); a failure leaves the message."""
            try:
                mailer.deliver(notice)
            except (ClientError, SendInFlight) as error:
                with lock:
                    failures[type(error).__name__] += 1
                return False
            return True

        def deliver(message: dict[str, Any]) -> None:
            notice = Notice.model_validate_json(message["Body"])
            # two mailers take the same message (a visibility timeout passed while the first worked)
            outcomes: list[bool] = []
            threads = [threading.Thread(target=lambda m=m: outcomes.append(attempt(m, notice))) for m in mailers]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
            if any(outcomes):
                sqs.delete_message(QueueUrl=mail.email_queue_url, ReceiptHandle=message["ReceiptHandle"])

        for message in messages:
            deliver(message)
        sqs.change_message_visibility_batch(
            QueueUrl=mail.email_queue_url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                for i, m in enumerate(messages)
            ],
        )

    sent = mail.sent()
    keys = [record["id"]["S"] for record in mail.ledger() if record["status"]["S"] == "SENT"]
    delivered = Counter(f"{message['To']}|{message['Subject']}" for message in sent)
    duplicates = sum(count - 1 for count in delivered.values())
    lost = len(expected) - len(keys)
    assert (duplicates, lost) == (0, 0), (duplicates, lost, failures)
    assert failures["ClientError"] == CHANGES // 2  # each even recipient's first send failed once, then went out
    assert len(sent) == len(expected) == 2 * CHANGES
    print(f"emails: {len(expected)} expected, {len(sent)} sent, {duplicates} duplicates, {lost} lost; {dict(failures)}")

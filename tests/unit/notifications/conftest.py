"""moto with what the notifications functions need: the template's tables (tests/conftest.py),
the signing secret, a user pool with a customer, a verified sender, the email queues."""

from __future__ import annotations

import email
import email.policy
import json
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import boto3
import pytest
from moto.backends import get_backend
from moto.core.models import DEFAULT_ACCOUNT_ID

from tests.conftest import LocalAws, _clear_caches

SENDER = "orders@apemoments.example"
APP_URL = "https://app.apemoments.example"
UNSUBSCRIBE_URL = "https://unsub.lambda-url.us-east-1.on.aws/"
CUSTOMER_EMAIL = "jamie@example.com"


@dataclass
class Mail:
    aws: LocalAws
    secret: bytes
    customer_sub: str
    email_queue_url: str

    def sent(self) -> list[EmailMessage]:
        """Every message SES (moto) accepted, parsed, oldest first."""
        backend = get_backend("ses")[DEFAULT_ACCOUNT_ID]["us-east-1"]
        return [
            email.message_from_string(message.raw_data, policy=email.policy.default)
            for message in backend.sent_messages
        ]

    def ledger(self) -> list[dict[str, Any]]:
        items = self.aws.dynamodb.scan(TableName="IdempotencyTable")["Items"]
        return [item for item in items if item["id"]["S"].startswith("email#")]


@pytest.fixture
def mail(aws: LocalAws, monkeypatch: pytest.MonkeyPatch) -> Mail:
    secret_value = "s" * 64
    secret_arn = boto3.client("secretsmanager").create_secret(Name="unsubscribe", SecretString=secret_value)["ARN"]
    cognito = boto3.client("cognito-idp")
    pool = cognito.create_user_pool(PoolName="customers", UsernameAttributes=["email"])["UserPool"]["Id"]
    user = cognito.admin_create_user(
        UserPoolId=pool,
        Username=CUSTOMER_EMAIL,
        UserAttributes=[{"Name": "email", "Value": CUSTOMER_EMAIL}, {"Name": "email_verified", "Value": "true"}],
        MessageAction="SUPPRESS",
    )["User"]
    sub = next(a["Value"] for a in user["Attributes"] if a["Name"] == "sub")
    boto3.client("sesv2").create_email_identity(EmailIdentity="apemoments.example")
    boto3.client("ses").verify_domain_identity(Domain="apemoments.example")
    dlq_url = aws.sqs.create_queue(QueueName="email-dlq")["QueueUrl"]
    dlq_arn = aws.sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 5})
    queue_url = aws.sqs.create_queue(QueueName="emails", Attributes={"RedrivePolicy": redrive})["QueueUrl"]
    for name, value in {
        "EMAIL_QUEUE_URL": queue_url,
        "UNSUBSCRIBE_SECRET_ARN": secret_arn,
        "USER_POOL_ID": pool,
        "EMAIL_SENDER": SENDER,
        "EMAIL_CONFIGURATION_SET": "ape-moments-emails",
        "APP_URL": APP_URL,
        "UNSUBSCRIBE_URL": UNSUBSCRIBE_URL,
    }.items():
        monkeypatch.setenv(name, value)
    _clear_caches()
    return Mail(aws=aws, secret=secret_value.encode(), customer_sub=sub, email_queue_url=queue_url)

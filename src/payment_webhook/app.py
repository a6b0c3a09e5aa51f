"""The payment provider's webhook (a Lambda function URL): verify the signature, apply the event once.

A request whose ``Stripe-Signature`` does not verify with the signing secret, or is older than
five minutes, is refused with 400 and changes nothing. Unknown event types are acknowledged.
"""

import base64
import json
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from ape_moments import metrics
from ape_moments.observability import logger, observed
from ape_moments.orders.wiring import payment_webhook, payment_webhook_settings, webhook_secret

payment_webhook_settings()  # cold start: a missing or malformed variable fails the init, naming it
SIGNATURE_TOLERANCE_SECONDS = 300


def _response(status: int, message: str) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json"},
        "body": json.dumps({"message": message}),
    }


def _verified_event(event: dict[str, Any]) -> dict[str, Any] | None:
    import stripe

    body = event.get("body") or ""
    payload = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode()
    headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
    signing_secret = webhook_secret()
    if signing_secret is None:  # the sandbox provider sends no webhooks
        metrics.webhook_refused("NoProvider")
        return None
    try:
        stripe.Webhook.construct_event(
            payload, headers.get("stripe-signature"), signing_secret, tolerance=SIGNATURE_TOLERANCE_SECONDS
        )
    except (stripe.SignatureVerificationError, ValueError) as refused:
        metrics.webhook_refused(type(refused).__name__)
        logger.warning("webhook refused", reason=type(refused).__name__)
        return None
    return dict(json.loads(payload))  # the verified bytes, as plain JSON


@observed
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if (event.get("requestContext", {}).get("http", {}).get("method") or "POST") != "POST":
        return _response(405, "POST only")
    verified = _verified_event(event)
    if verified is None:
        return _response(400, "invalid signature")
    logger.append_keys(event_id=verified.get("id"), event_type=verified.get("type"))
    webhook = payment_webhook()
    webhook.register_lambda_context(context)
    outcome = webhook.handle(verified)
    logger.info("webhook handled", outcome=outcome)
    if outcome != "ignored":
        metrics.webhook_applied(str(verified.get("type")))
    return _response(200, outcome)

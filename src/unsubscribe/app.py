"""One-click unsubscribe (RFC 8058), a Lambda function URL reached without signing in.

GET (a person following the link) shows a page whose button POSTs; POST (the button, or a mail
provider's one-click with ``List-Unsubscribe=One-Click``) turns the token's emails off. GET never
changes anything: link scanners fetch links. A token whose signature does not hold, or that has
expired, gets 400 and changes nothing; the endpoint can only turn emails off.
"""

import base64
import html
from typing import Any
from urllib.parse import parse_qs

from aws_lambda_powertools.utilities.typing import LambdaContext

from ape_moments.notifications.tokens import InvalidToken
from ape_moments.notifications.wiring import unsubscribe_service, unsubscribe_settings
from ape_moments.observability import logger, observed

unsubscribe_settings()  # cold start: a missing or malformed variable fails the init, naming it
# The signing secret is read once per execution environment, by its first request (imports make
# no AWS call, as every handler here; SnapStart-safe), then cached with the service.

PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: Arial, Helvetica, sans-serif; max-width: 480px; margin: 40px auto;">
<h1 style="font-size: 20px;">{title}</h1>{body}</body></html>"""


def _page(status: int, title: str, body: str) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {
            "Content-Type": "text/html; charset=utf-8",
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",  # the token must not leak to another site
            "X-Content-Type-Options": "nosniff",
        },
        "body": PAGE.format(title=html.escape(title), body=body),
    }


def _token(event: dict[str, Any]) -> str:
    token = (event.get("queryStringParameters") or {}).get("token")
    if token:
        return str(token)
    raw = event.get("body") or ""
    if event.get("isBase64Encoded"):
        raw = base64.b64decode(raw).decode(errors="replace")
    return str((parse_qs(raw).get("token") or [""])[0])


@observed
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    method = ((event.get("requestContext") or {}).get("http") or {}).get("method", "GET").upper()
    service = unsubscribe_service()
    token = _token(event)
    try:
        if method == "POST":
            service.unsubscribe(token)
            logger.info("unsubscribed")
            return _page(200, "You are unsubscribed", "<p>You will get no more emails from Ape Moments.</p>")
        if method == "GET":
            service.check(token)
            form = (
                f'<form method="post"><input type="hidden" name="token" value="{html.escape(token, quote=True)}">'
                '<button type="submit">Unsubscribe from Ape Moments emails</button></form>'
            )
            return _page(200, "Unsubscribe", form)
    except InvalidToken as error:
        logger.info("unsubscribe refused", reason=str(error))
        return _page(400, "This link is not valid", "<p>Nothing was changed.</p>")
    return _page(405, "Method not allowed", "<p>Nothing was changed.</p>")

"""The emails' words: Jinja2 templates kept beside this module, rendered to subject, text and HTML.

Jinja2 rather than SES stored templates: the templates live in the repository and are tested
like code (no deploy step, no drift between stacks), and SES templates cannot carry the
List-Unsubscribe headers (those need raw content, which SES templates do not take). HTML is
autoescaped (``select_autoescape``), so a name like ``<script>`` arrives as text; the text part is
not HTML and is rendered without escaping. Subjects are built here, stripped of line breaks.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formataddr, make_msgid
from pathlib import Path
from typing import Any

import jinja2

from ape_moments.notifications.rules import EmailKind, Notice, PaymentOutcome

TEMPLATES = Path(__file__).parent / "templates"
MAX_NAME_IN_SUBJECT = 60
SENDER_NAME = "Ape Moments"

PAYMENT_SENTENCES = {
    PaymentOutcome.NOT_CHARGED: "Nothing was charged: the payment was cancelled.",
    PaymentOutcome.REFUNDED: "Your payment was refunded in full; banks usually show it within 5 to 10 days.",
    PaymentOutcome.UNKNOWN: "If you were charged, the payment will be refunded; the order page shows its state.",
}


@dataclass(frozen=True, slots=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


@dataclass(frozen=True, slots=True)
class Links:
    """Where the email points: the frontend (``AppUrl``) and the unsubscribe endpoint."""

    object_link: str
    preferences_link: str
    unsubscribe_link: str


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        # *.html.j2 escape every value; *.txt.j2 are plain text (escaping would show "&amp;")
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default_for_string=True),
        undefined=jinja2.StrictUndefined,  # a missing value is a bug, never an empty sentence
        keep_trailing_newline=True,
    )


def _one_line(value: str, limit: int) -> str:
    flat = " ".join(value.split())  # no CR/LF or tabs can reach a header
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def subject_of(notice: Notice) -> str:
    short = notice.object_id[:8]
    name = _one_line(notice.name or "", MAX_NAME_IN_SUBJECT)
    match notice.kind:
        case EmailKind.ORDER_PAID:
            return f"Your order {short} is paid"
        case EmailKind.ORDER_COMPLETED:
            return f"Your order {short} is ready"
        case EmailKind.ORDER_FAILED:
            return f"Your order {short} could not be completed"
        case EmailKind.ALBUM_READY:
            return f"Your album “{name}” is ready"
        case EmailKind.COLLAGE_READY:
            return f"Your collage “{name}” is ready"


def object_path(notice: Notice) -> str:
    folder = {"order": "orders", "album": "albums", "collage": "collages"}[notice.kind.value.split("_")[0]]
    return f"/{folder}/{notice.object_id}"


def render(notice: Notice, links: Links) -> RenderedEmail:
    subject = subject_of(notice)
    context: dict[str, Any] = {
        "subject": subject,
        "link": links.object_link,
        "preferences_link": links.preferences_link,
        "unsubscribe_link": links.unsubscribe_link,
        "about": notice.kind.value.split("_")[0],
        "order_id": notice.object_id,
        "name": notice.name or "",
        "total": notice.total or "",
        "currency": notice.currency or "",
        "item_count": notice.item_count or 0,
        "error_message": notice.error_message or "",
        "payment_sentence": PAYMENT_SENTENCES[notice.payment or PaymentOutcome.UNKNOWN],
    }
    name = notice.kind.value
    text = _environment().get_template(f"{name}.txt.j2").render(context)
    html = _environment().get_template(f"{name}.html.j2").render(context)
    return RenderedEmail(subject=subject, text=text, html=html)


def mime_message(email: RenderedEmail, *, sender: str, recipient: str, unsubscribe_link: str) -> bytes:
    """The raw message SES sends: text and HTML alternatives, and RFC 8058's one-click headers."""
    message = EmailMessage(policy=SMTP)
    message["From"] = formataddr((SENDER_NAME, sender))
    message["To"] = recipient
    message["Subject"] = email.subject
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message["List-Unsubscribe"] = f"<{unsubscribe_link}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(email.text)
    message.add_alternative(email.html, subtype="html")
    return message.as_bytes()

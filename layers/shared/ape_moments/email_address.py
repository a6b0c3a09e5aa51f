"""Email addresses: the one validator the orders code (``contactEmail``) and the notifications share.

Deliberately plain (no DNS, no IDNA lookups): one ``@``, a local part of at most 64 characters,
a domain of dot-separated labels with a top-level part, at most 254 characters in all (RFC 5321's
path limit), no spaces or control characters (nothing that could become a second header line).
Stored lower-cased in the domain only; the local part is kept as given.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

MAX_LENGTH = 254
MAX_LOCAL_LENGTH = 64
_LOCAL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+$")
_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")


def email_address(value: str) -> str:
    """The address, normalised (domain lower-cased); ValueError saying what is wrong otherwise."""
    if not isinstance(value, str):
        raise ValueError("must be an email address")
    address = value.strip()
    if len(address) > MAX_LENGTH:
        raise ValueError(f"must be at most {MAX_LENGTH} characters")
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        raise ValueError("must be an email address")
    labels = domain.split(".")
    if (
        len(local) > MAX_LOCAL_LENGTH
        or not _LOCAL.match(local)
        or local.startswith(".")
        or local.endswith(".")
        or ".." in local
        or len(labels) < 2
        or not all(_LABEL.match(label) for label in labels)
        or labels[-1].isdigit()
    ):
        raise ValueError("must be an email address")
    return f"{local}@{domain.lower()}"


# For pydantic models: ``contact_email: EmailAddress | None = None`` (the error names the field).
EmailAddress = Annotated[str, AfterValidator(email_address)]

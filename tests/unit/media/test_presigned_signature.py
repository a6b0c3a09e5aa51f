"""The presigned PUT's signature covers Content-Type and Content-Length (SPEC 5, issue 3 "Must show").

moto accepts any presigned PUT (docs: FACTS.md), so this test does what S3 does: it rebuilds
the SigV4 canonical request from the URL and the headers a client would send, signs it with
hashlib/hmac and the (fake) credentials, and compares. The declared type and size verify; any
other type or size gives another signature, which S3 answers with 403 SignatureDoesNotMatch.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import pytest

from tests.unit.media.conftest import Call
from tests.unit.media.helpers import seed_album

DECLARED_TYPE = "image/jpeg"
DECLARED_SIZE = 3_145_728


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def sigv4_query_signature(url: str, headers: dict[str, str], secret_key: str, method: str = "PUT") -> str:
    """What S3 computes for a request to a presigned URL carrying ``headers`` (AWS SigV4, query auth)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    params = dict(query)
    signed_names = params["X-Amz-SignedHeaders"].split(";")
    all_headers = {"host": parts.netloc, **{name.lower(): value for name, value in headers.items()}}

    canonical_query = "&".join(
        f"{quote(name, safe='-_.~')}={quote(value, safe='-_.~')}"
        for name, value in sorted(query)
        if name != "X-Amz-Signature"
    )
    canonical_headers = "".join(f"{name}:{all_headers[name].strip()}\n" for name in signed_names)
    canonical_request = "\n".join(
        [method, parts.path, canonical_query, canonical_headers, ";".join(signed_names), "UNSIGNED-PAYLOAD"]
    )
    _access_key, date, region, service, terminator = params["X-Amz-Credential"].split("/")
    scope = f"{date}/{region}/{service}/{terminator}"
    string_to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", params["X-Amz-Date"], scope, hashlib.sha256(canonical_request.encode()).hexdigest()]
    )
    key = _hmac(_hmac(_hmac(_hmac(f"AWS4{secret_key}".encode(), date), region), service), terminator)
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


@pytest.fixture
def presigned_url(call: Call, customer: Any) -> str:
    album = seed_album(customer)
    arguments = {
        "albumId": album.album_id,
        "fileName": "booth.jpg",
        "contentType": DECLARED_TYPE,
        "fileSize": DECLARED_SIZE,
    }
    return str(call("presignAlbumUpload", arguments, customer)["presignedUrl"])


def url_signature(url: str) -> str:
    return dict(parse_qsl(urlsplit(url).query))["X-Amz-Signature"]


def test_the_url_is_sigv4_and_signs_type_size_and_host(presigned_url: str) -> None:
    params = dict(parse_qsl(urlsplit(presigned_url).query))
    assert params["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert params["X-Amz-SignedHeaders"] == "content-length;content-type;host"
    assert params["X-Amz-Credential"].startswith(f"{os.environ['AWS_ACCESS_KEY_ID']}/")
    assert params["X-Amz-Credential"].endswith("/us-east-1/s3/aws4_request")
    # No Content-Type or size in the query: they are headers the client must send, and signed.
    assert not {"Content-Type", "content-type", "Content-Length"} & set(params)


def test_the_declared_type_and_size_reproduce_the_signature(presigned_url: str) -> None:
    headers = {"Content-Type": DECLARED_TYPE, "Content-Length": str(DECLARED_SIZE)}
    recomputed = sigv4_query_signature(presigned_url, headers, os.environ["AWS_SECRET_ACCESS_KEY"])
    assert recomputed == url_signature(presigned_url)


@pytest.mark.parametrize(
    "lie",
    [
        {"Content-Type": "text/html"},
        {"Content-Type": "image/png"},
        {"Content-Type": "image/jpeg; charset=binary"},
        {"Content-Length": str(DECLARED_SIZE + 1)},
        {"Content-Length": str(DECLARED_SIZE - 1)},
        {"Content-Length": str(500 * 1024 * 1024)},
    ],
)
def test_any_other_type_or_size_breaks_the_signature(presigned_url: str, lie: dict[str, str]) -> None:
    headers = {"Content-Type": DECLARED_TYPE, "Content-Length": str(DECLARED_SIZE)} | lie
    recomputed = sigv4_query_signature(presigned_url, headers, os.environ["AWS_SECRET_ACCESS_KEY"])
    assert recomputed != url_signature(presigned_url)


def test_another_key_or_method_breaks_the_signature(presigned_url: str) -> None:
    headers = {"Content-Type": DECLARED_TYPE, "Content-Length": str(DECLARED_SIZE)}
    parts = urlsplit(presigned_url)
    elsewhere = parts._replace(path=parts.path.rsplit("/", 1)[0] + "/other.jpg").geturl()
    secret = os.environ["AWS_SECRET_ACCESS_KEY"]
    assert sigv4_query_signature(elsewhere, headers, secret) != url_signature(presigned_url)
    assert sigv4_query_signature(presigned_url, headers, secret, method="GET") != url_signature(presigned_url)
    assert sigv4_query_signature(presigned_url, headers, "another-secret") != url_signature(presigned_url)

"""Media through the CDN, end to end (SPEC 16): the URLs the API returns for reading are signed
``/media`` URLs of the local stack (``Expires``, ``Signature``, ``Key-Pair-Id``) that serve the
right bytes; a changed or missing signature, key, key pair id or expiry, and an expired URL, get
403. (Collage outputs, album PDFs and order downloads: test_rendering.py, test_orders.py.)"""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
import requests
from botocore.signers import CloudFrontSigner
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from PIL import Image

from tests.e2e.conftest import Caller, eventually
from tests.e2e.test_photos import PHOTO, _album, _listed, _upload

pytestmark = pytest.mark.e2e

IMMUTABLE = "public, max-age=31536000, immutable"


@pytest.fixture
def photo(customer_caller: Caller) -> dict[str, Any]:
    album_id = _album(customer_caller)
    _upload(customer_caller, album_id, PHOTO, name="cdn.jpg")
    items = eventually(lambda: _listed(customer_caller, album_id), timeout=10, interval=0.1)
    assert items, "the photo was not listed"
    return dict(items[0])


def _query(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query, keep_blank_values=True)


def _with(url: str, **changes: str | None) -> str:
    parts = urlsplit(url)
    query = dict(_query(url))
    for argument, value in changes.items():
        name = argument.replace("_", "-")
        if value is None:
            query.pop(name, None)
        else:
            query[name] = value
    return urlunsplit(parts._replace(query=urlencode(query)))


def _signing(caller: Caller) -> tuple[str, str]:
    """The key pair id and the private key, read back as the functions read them (moto's Secrets Manager)."""
    environment = caller.stack.description["functions"]["PhotosFunction"]["environment"]
    secret = caller.stack.client("secretsmanager").get_secret_value(SecretId=environment["MEDIA_SIGNING_KEY_SECRET"])
    return environment["MEDIA_KEY_PAIR_ID"], secret["SecretString"]


def _sign(caller: Caller, url: str, expires: int) -> str:
    """An independent signer (botocore + cryptography, not the layer's): what CloudFront verifies."""
    key_pair_id, pem = _signing(caller)
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    signer = CloudFrontSigner(key_pair_id, lambda message: key.sign(message, padding.PKCS1v15(), hashes.SHA1()))
    return str(signer.generate_presigned_url(url, date_less_than=datetime.fromtimestamp(expires, UTC)))


def test_a_photos_urls_are_signed_media_urls_that_serve_it(customer_caller: Caller, photo: dict[str, Any]) -> None:
    media = customer_caller.stack.description["mediaUrl"]
    for field in ("url", "thumbnailUrl"):
        assert photo[field].startswith(f"{media}/"), field
        assert [name for name, _ in _query(photo[field])] == ["Expires", "Signature", "Key-Pair-Id"], field
    assert urlsplit(photo["url"]).path == f"/media/{photo['key']}"
    original = requests.get(photo["url"], timeout=60)
    assert original.status_code == 200
    assert original.content == PHOTO
    assert original.headers["Content-Type"] == "image/jpeg"
    assert original.headers["X-Content-Type-Options"] == "nosniff"
    thumbnail = requests.get(photo["thumbnailUrl"], timeout=60)
    assert thumbnail.status_code == 200
    assert Image.open(io.BytesIO(thumbnail.content)).size == (300, 400)
    assert thumbnail.headers["Cache-Control"] == IMMUTABLE  # thumbnails never change under their key
    head = requests.head(photo["thumbnailUrl"], timeout=60)
    assert (head.status_code, head.content, int(head.headers["Content-Length"])) == (200, b"", len(thumbnail.content))


def test_every_tampering_gets_403(customer_caller: Caller, photo: dict[str, Any]) -> None:
    url = photo["url"]
    query = dict(_query(url))
    signature, expires = query["Signature"], int(query["Expires"])
    flipped = signature[:20] + ("A" if signature[20] != "A" else "B") + signature[21:]
    thumbnail_path = urlsplit(photo["thumbnailUrl"]).path
    tampered = {
        "missing signature": _with(url, Signature=None),
        "changed signature": _with(url, Signature=flipped),
        "the thumbnail's signature": _with(url, Signature=dict(_query(photo["thumbnailUrl"]))["Signature"]),
        "changed object key": urlunsplit(urlsplit(url)._replace(path=thumbnail_path)),
        "changed key pair id": _with(url, Key_Pair_Id="K2JCJMDEHXQW5F"),
        "missing key pair id": _with(url, Key_Pair_Id=None),
        "later expiry": _with(url, Expires=str(expires + 3600)),
        "earlier expiry": _with(url, Expires=str(expires - 1)),
        "missing expiry": _with(url, Expires=None),
        "no query at all": url.split("?")[0],
    }
    statuses = {name: requests.get(changed, timeout=60).status_code for name, changed in tampered.items()}
    assert statuses == dict.fromkeys(tampered, 403)
    assert requests.get(url, timeout=60).status_code == 200  # the untouched URL still works


def test_an_expired_url_gets_403_and_the_same_signer_works_now(customer_caller: Caller, photo: dict[str, Any]) -> None:
    unsigned = photo["url"].split("?")[0]
    expired = _sign(customer_caller, unsigned, int(time.time()) - 5)
    assert requests.get(expired, timeout=60).status_code == 403
    fresh = _sign(customer_caller, unsigned, int(time.time()) + 60)
    response = requests.get(fresh, timeout=60)
    assert (response.status_code, response.content) == (200, PHOTO)

"""Albums and uploads end to end: presign, PUT to the local S3 front, imageCount kept by S3 events."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
import requests

from tests.e2e.conftest import Caller, Stack, eventually
from tests.unit.imaging.images import BLUE, RED, encode, two_halves

pytestmark = pytest.mark.e2e

# A real JPEG: the upload pipeline decodes every upload and deletes anything that is not a photo.
PHOTO = encode(two_halves(320, 240, RED, BLUE), "JPEG", quality=90)
CREATE_ALBUM = (
    "mutation($name: String!) { createAlbum(input: {name: $name}) { albumId customerId status imageCount s3Prefix } }"
)
PRESIGN = """
mutation($id: ID!, $size: Int) {
  presignAlbumUpload(albumId: $id, fileName: "smile.jpg", contentType: "image/jpeg", fileSize: $size) {
    presignedUrl s3Key expiresIn
  }
}"""
GET_ALBUM = "query($id: ID!) { getAlbum(albumId: $id) { imageCount status } }"


def _album_with_upload_url(caller: Caller) -> tuple[str, dict]:
    album = caller.graphql(CREATE_ALBUM, {"name": "Wedding booth"}).data["createAlbum"]
    assert album["customerId"] == caller.owner_id
    assert (album["status"], album["imageCount"]) == ("UPLOADING", 0)
    upload = caller.graphql(PRESIGN, {"id": album["albumId"], "size": len(PHOTO)}).data["presignAlbumUpload"]
    assert upload["s3Key"].startswith(album["s3Prefix"])
    assert upload["expiresIn"] == 3600
    return album["albumId"], upload


def _put(url: str, *, content_type: str = "image/jpeg", body: bytes = PHOTO, **headers: str) -> requests.Response:
    return requests.put(url, data=body, headers={"Content-Type": content_type, **headers}, timeout=60)


def _upload_flow(caller: Caller) -> None:
    album_id, upload = _album_with_upload_url(caller)
    assert upload["presignedUrl"].startswith(caller.stack.aws_endpoint)  # the S3 front, not moto itself
    assert _put(upload["presignedUrl"]).status_code == 200

    def counted() -> bool:
        return caller.graphql(GET_ALBUM, {"id": album_id}).data["getAlbum"]["imageCount"] == 1

    assert eventually(counted), "imageCount did not rise after the upload"
    stored = caller.stack.client("s3").get_object(Bucket=caller.stack.bucket, Key=upload["s3Key"])
    assert stored["Body"].read() == PHOTO


def test_a_customer_uploads_a_photo_and_the_album_counts_it(customer_caller: Caller) -> None:
    _upload_flow(customer_caller)


def test_a_guest_uploads_a_photo_with_sigv4_calls(guest_caller: Caller) -> None:
    _upload_flow(guest_caller)


def _tampered(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query)))


def test_tampered_uploads_are_refused_with_403(stack: Stack, customer_caller: Caller) -> None:
    _, upload = _album_with_upload_url(customer_caller)
    url = upload["presignedUrl"]
    refused = {
        "another content type": _put(url, content_type="image/png"),
        "another size": _put(url, body=PHOTO + b"more"),
        "a changed signature": _put(_tampered(url, **{"X-Amz-Signature": "0" * 64})),
        "a longer expiry": _put(_tampered(url, **{"X-Amz-Expires": "604800"})),
        "another key": _put(url.replace("smile", "other")),
        "no signature at all": _put(url.split("?", 1)[0]),
    }
    for case, response in refused.items():
        assert response.status_code == 403, f"{case}: {response.status_code} {response.text}"
        assert "<Code>" in response.text, case
    # None of them stored anything.
    listed = stack.client("s3").list_objects_v2(Bucket=stack.bucket, Prefix=upload["s3Key"].rsplit("/", 1)[0])
    assert listed.get("KeyCount", 0) == 0
    assert _put(url).status_code == 200  # the untouched URL still works


def test_an_expired_url_is_refused(customer_caller: Caller) -> None:
    _, upload = _album_with_upload_url(customer_caller)
    old = _tampered(upload["presignedUrl"], **{"X-Amz-Date": "20200101T000000Z"})
    response = _put(old)
    assert response.status_code == 403
    assert "expired" in response.text.lower() or "SignatureDoesNotMatch" in response.text


def test_cors_preflight_follows_the_bucket_rules(customer_caller: Caller) -> None:
    _, upload = _album_with_upload_url(customer_caller)
    url = upload["presignedUrl"]

    def preflight(origin: str, method: str = "PUT", headers: str = "content-type") -> requests.Response:
        return requests.options(
            url,
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": method,
                "Access-Control-Request-Headers": headers,
            },
            timeout=60,
        )

    allowed = preflight("http://localhost:3000")
    assert allowed.status_code == 200
    assert allowed.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
    assert "PUT" in allowed.headers["Access-Control-Allow-Methods"]
    assert allowed.headers["Access-Control-Max-Age"] == "3000"
    assert preflight("https://evil.example").status_code == 403
    assert preflight("http://localhost:3000", method="DELETE").status_code == 403
    assert preflight("http://localhost:3000", headers="x-secret").status_code == 403

    put = _put(url, Origin="http://localhost:3000")
    assert put.status_code == 200
    assert put.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
    assert put.headers["Access-Control-Expose-Headers"] == "ETag"

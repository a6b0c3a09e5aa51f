"""presignAlbumUpload / presignCollageUpload (SPEC 5): ownership, status, types, sizes, safe keys."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from ape_moments.errors import Conflict, NotFound, ValidationError
from ape_moments.media.albums import MAX_PHOTOS_PER_ALBUM
from ape_moments.media.uploads import MAX_UPLOAD_BYTES
from ape_moments.table import Condition
from tests.conftest import BUCKET
from tests.unit.media.conftest import Call
from tests.unit.media.helpers import albums, seed_album, seed_collage

MB = 1024 * 1024
SAFE_KEY_NAME = re.compile(r"\d{13}-[A-Za-z0-9._-]{1,100}")


def presign_album(call: Call, identity: Any, album_id: str, **overrides: Any) -> dict[str, Any]:
    arguments = {"albumId": album_id, "fileName": "photo.jpg", "contentType": "image/jpeg", "fileSize": 2 * MB}
    return dict(call("presignAlbumUpload", {**arguments, **overrides}, identity))


def presign_collage(call: Call, identity: Any, collage_id: str, **overrides: Any) -> dict[str, Any]:
    arguments = {"collageId": collage_id, "fileName": "photo.png", "contentType": "image/png", "fileSize": MB}
    return dict(call("presignCollageUpload", {**arguments, **overrides}, identity))


def signed_query(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


# ---- the happy path -------------------------------------------------------------------------


def test_album_upload_url_is_a_signed_put_for_a_key_in_the_albums_prefix(call: Call, customer: Any) -> None:
    album = seed_album(customer)
    upload = presign_album(call, customer, album.album_id, fileName="IMG_0042.JPG")

    assert upload["expiresIn"] == 3600
    assert upload["s3Key"].startswith(f"albums/{album.album_id}/")
    name = upload["s3Key"].removeprefix(album.s3_prefix)
    assert SAFE_KEY_NAME.fullmatch(name)
    assert name.endswith("-IMG_0042.jpg")
    url = urlsplit(upload["presignedUrl"])
    assert url.scheme == "https"
    assert unquote(url.path).endswith(upload["s3Key"])
    assert BUCKET in url.netloc + url.path
    query = signed_query(upload["presignedUrl"])
    assert query["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert query["X-Amz-Expires"] == "3600"
    assert query["X-Amz-SignedHeaders"] == "content-length;content-type;host"


def test_collage_upload_key_is_in_the_collages_prefix(call: Call, guest: Any) -> None:
    collage = seed_collage(guest)
    upload = presign_collage(call, guest, collage.collage_id)
    assert upload["s3Key"].startswith(f"collages/{collage.collage_id}/")
    assert upload["s3Key"].endswith("-photo.png")
    assert signed_query(upload["presignedUrl"])["X-Amz-SignedHeaders"] == "content-length;content-type;host"


def test_expires_in_follows_a_lower_configured_lifetime(
    call: Call, customer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UPLOAD_URL_EXPIRES_IN", "900")
    album = seed_album(customer)
    upload = presign_album(call, customer, album.album_id)
    assert upload["expiresIn"] == 900
    assert signed_query(upload["presignedUrl"])["X-Amz-Expires"] == "900"


def test_an_admin_may_presign_for_anyones_album(call: Call, customer: Any, admin: Any) -> None:
    album = seed_album(customer)
    assert presign_album(call, admin, album.album_id)["s3Key"].startswith(album.s3_prefix)


def test_two_uploads_of_the_same_name_get_different_keys(call: Call, customer: Any) -> None:
    album = seed_album(customer)
    first = presign_album(call, customer, album.album_id)
    import time

    time.sleep(0.002)
    second = presign_album(call, customer, album.album_id)
    assert first["s3Key"] != second["s3Key"]


# ---- ownership and status ---------------------------------------------------------------------


def test_foreign_and_missing_albums_are_not_found(call: Call, customer: Any, other_customer: Any, guest: Any) -> None:
    album = seed_album(customer)
    for stranger in (other_customer, guest):
        with pytest.raises(NotFound, match="albumId"):
            presign_album(call, stranger, album.album_id)
    with pytest.raises(NotFound, match="albumId"):
        presign_album(call, customer, "no-such-album")


def test_foreign_and_missing_collages_are_not_found(call: Call, customer: Any, other_customer: Any) -> None:
    collage = seed_collage(customer)
    with pytest.raises(NotFound, match="collageId"):
        presign_collage(call, other_customer, collage.collage_id)
    with pytest.raises(NotFound, match="collageId"):
        presign_collage(call, customer, "no-such-collage")


def test_an_album_id_is_not_a_collage_id(call: Call, customer: Any) -> None:
    album = seed_album(customer)
    with pytest.raises(NotFound):
        presign_collage(call, customer, album.album_id)


@pytest.mark.parametrize(
    ("status", "accepted"), [("UPLOADING", True), ("READY", True), ("PROCESSING", False), ("COMPLETED", False)]
)
def test_albums_take_uploads_only_while_uploading_or_ready(
    call: Call, customer: Any, status: str, accepted: bool
) -> None:
    album = seed_album(customer, status)
    if accepted:
        assert presign_album(call, customer, album.album_id)["s3Key"]
    else:
        with pytest.raises(Conflict, match="takes no uploads"):
            presign_album(call, customer, album.album_id)


@pytest.mark.parametrize(
    ("status", "accepted"), [("DRAFT", True), ("FAILED", True), ("PROCESSING", False), ("COMPLETED", False)]
)
def test_collages_take_uploads_only_while_editable(call: Call, customer: Any, status: str, accepted: bool) -> None:
    collage = seed_collage(customer, status)
    if accepted:
        assert presign_collage(call, customer, collage.collage_id)["s3Key"]
    else:
        with pytest.raises(Conflict, match="takes no uploads"):
            presign_collage(call, customer, collage.collage_id)


def test_a_full_album_takes_no_more_photos(call: Call, customer: Any) -> None:
    album = seed_album(customer)
    albums().update(album.album_id, {"imageCount": MAX_PHOTOS_PER_ALBUM}, when=Condition())
    with pytest.raises(Conflict, match=str(MAX_PHOTOS_PER_ALBUM)):
        presign_album(call, customer, album.album_id)


# ---- types and sizes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file_name", "content_type"),
    [
        ("a.jpg", "image/jpeg"),
        ("a.JPEG", "image/jpeg"),
        ("a.png", "image/png"),
        ("a.webp", "image/webp"),
        ("a.HEIC", "image/heic"),
    ],
)
def test_each_allowed_type_with_a_fitting_extension(
    call: Call, customer: Any, file_name: str, content_type: str
) -> None:
    album = seed_album(customer)
    upload = presign_album(call, customer, album.album_id, fileName=file_name, contentType=content_type)
    assert upload["s3Key"].endswith(file_name.lower().rsplit(".", 1)[-1])


@pytest.mark.parametrize(
    "content_type", ["image/gif", "application/pdf", "text/html", "image/svg+xml", "IMAGE/JPEG", "image/jpeg; x=1", ""]
)
def test_other_content_types_are_refused(call: Call, customer: Any, content_type: str) -> None:
    album = seed_album(customer)
    with pytest.raises(ValidationError, match="contentType"):
        presign_album(call, customer, album.album_id, contentType=content_type)


@pytest.mark.parametrize(
    ("file_name", "content_type"),
    [
        ("photo.png", "image/jpeg"),
        ("photo.jpg", "image/png"),
        ("photo.jpg.exe", "image/jpeg"),
        ("photo.exe", "image/jpeg"),
        ("photo", "image/jpeg"),  # no extension
        (".jpg", "image/jpeg"),  # a hidden file called jpg, no extension
        ("photo.", "image/jpeg"),
        ("photo.heif", "image/heic"),
    ],
)
def test_the_extension_must_fit_the_type(call: Call, customer: Any, file_name: str, content_type: str) -> None:
    album = seed_album(customer)
    with pytest.raises(ValidationError, match="fileName"):
        presign_album(call, customer, album.album_id, fileName=file_name, contentType=content_type)


@pytest.mark.parametrize("size", [MAX_UPLOAD_BYTES + 1, 100 * MB, 0, -1, "1000", 1.5, True])
def test_sizes_outside_1_byte_to_25_mb_are_refused(call: Call, customer: Any, size: Any) -> None:
    album = seed_album(customer)
    with pytest.raises(ValidationError, match="fileSize"):
        presign_album(call, customer, album.album_id, fileSize=size)


def test_exactly_25_mb_is_accepted_and_signed_for_that_size(call: Call, customer: Any) -> None:
    album = seed_album(customer)
    upload = presign_album(call, customer, album.album_id, fileSize=MAX_UPLOAD_BYTES)
    assert upload["s3Key"]


@pytest.mark.parametrize("arguments", [{"fileSize": None}, {}])
def test_file_size_is_required_because_it_is_signed(call: Call, customer: Any, arguments: dict[str, Any]) -> None:
    album = seed_album(customer)
    base = {"albumId": album.album_id, "fileName": "a.jpg", "contentType": "image/jpeg"}
    with pytest.raises(ValidationError, match="fileSize is required"):
        call("presignAlbumUpload", {**base, **arguments}, customer)


def test_validation_happens_before_any_lookup(call: Call, customer: Any, other_customer: Any) -> None:
    album = seed_album(customer)
    # A stranger with a bad type learns about the type, not about the album.
    with pytest.raises(ValidationError):
        presign_album(call, other_customer, album.album_id, contentType="image/gif")


# ---- hostile file names -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file_name", "expected_name"),
    [
        ("../x.jpg", "x.jpg"),
        ("../../albums/other-album/x.jpg", "x.jpg"),
        ("..\\..\\windows\\x.jpg", "x.jpg"),
        ("/etc/passwd.jpg", "passwd.jpg"),
        ("Été à Paris.jpg", "Ete_a_Paris.jpg"),
        ("фото.jpg", "photo.jpg"),
        ("😀😀.png", "photo.png"),
        ("a\x00b\nc.jpg", "a_b_c.jpg"),
        ("...jpg.jpg", "jpg.jpg"),
        ("a..b.jpg", "a.b.jpg"),
        ("my photo (1).jpeg", "my_photo_1.jpeg"),
        ("-rf.jpg", "rf.jpg"),
        ("%2e%2e%2fx.jpg", "2e_2e_2fx.jpg"),
    ],
)
def test_hostile_names_are_reduced_to_a_safe_base_name(
    call: Call, customer: Any, file_name: str, expected_name: str
) -> None:
    album = seed_album(customer)
    content_type = "image/png" if file_name.endswith(".png") else "image/jpeg"
    key = presign_album(call, customer, album.album_id, fileName=file_name, contentType=content_type)["s3Key"]
    prefix, name = key[: len(album.s3_prefix)], key[len(album.s3_prefix) :]
    assert prefix == album.s3_prefix
    assert SAFE_KEY_NAME.fullmatch(name)
    assert name.split("-", 1)[1] == expected_name


def test_a_long_name_is_cut_to_100_characters_keeping_the_extension(call: Call, customer: Any) -> None:
    album = seed_album(customer)
    key = presign_album(call, customer, album.album_id, fileName="x" * 250 + ".jpeg")["s3Key"]
    safe_name = key.removeprefix(album.s3_prefix).split("-", 1)[1]
    assert len(safe_name) == 100
    assert safe_name.endswith(".jpeg")


@pytest.mark.parametrize("file_name", ["x" * 10_000 + ".jpg", "", "a" * 252 + ".jpg"])
def test_absurd_names_are_refused(call: Call, customer: Any, file_name: str) -> None:
    album = seed_album(customer)
    with pytest.raises(ValidationError, match="fileName"):
        presign_album(call, customer, album.album_id, fileName=file_name)

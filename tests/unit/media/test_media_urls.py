"""Read URLs (SPEC 16): CloudFront canned-policy signing, expiry, the key from Secrets Manager,
the adapter choice, and the local /media checks that stand in for CloudFront."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import boto3
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from moto import mock_aws

from ape_moments import media_urls
from ape_moments.media_urls import CloudFrontSignedUrls, S3PresignedUrls, read_urls, signing_key
from ape_moments.settings import ConfigurationError, MediaUrlSettings
from devtools.local_stack.media_cdn import MediaCdn

BASE = "https://d111111abcdef8.cloudfront.net"
KEY_PAIR_ID = "K2JCJMDEHXQW5F"
NOW = 1_800_000_000
KEY = "albums/5b0c8d0e-5a7c-4f44-9d55-0f9b5d5f2b11/1795000000000-booth.jpg"


@pytest.fixture(scope="module")
def private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem(key: Any) -> str:
    return str(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
    )


def _signed(private_key: rsa.RSAPrivateKey, key: str = KEY, expires_in: int = 900) -> str:
    return CloudFrontSignedUrls(BASE, KEY_PAIR_ID, _pem(private_key), clock=lambda: NOW + 0.7).url_for(
        key, expires_in=expires_in
    )


def _query(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def test_a_signed_url_is_the_object_url_with_expires_signature_and_key_pair_id(
    private_key: rsa.RSAPrivateKey,
) -> None:
    url = _signed(private_key)
    assert url.split("?")[0] == f"{BASE}/{KEY}"
    query = _query(url)
    assert list(query) == ["Expires", "Signature", "Key-Pair-Id"]
    assert query["Expires"] == str(NOW + 900)  # whole seconds, from now
    assert query["Key-Pair-Id"] == KEY_PAIR_ID
    assert set(query["Signature"]) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_~")


def test_the_signature_is_pkcs1_sha1_over_the_canned_policy(private_key: rsa.RSAPrivateKey) -> None:
    url = _signed(private_key, expires_in=3600)
    query = _query(url)
    condition = f'{{"DateLessThan":{{"AWS:EpochTime":{NOW + 3600}}}}}'
    policy = f'{{"Statement":[{{"Resource":"{BASE}/{KEY}","Condition":{condition}}}]}}'
    signature = base64.b64decode(query["Signature"].translate(str.maketrans("-_~", "+=/")))
    private_key.public_key().verify(signature, policy.encode(), padding.PKCS1v15(), hashes.SHA1())


def test_keys_are_percent_encoded_in_the_path(private_key: rsa.RSAPrivateKey) -> None:
    url = _signed(private_key, key="thumbnails/collages/c1/17-my photo+1.jpg.jpg")
    assert url.split("?")[0] == f"{BASE}/thumbnails/collages/c1/17-my%20photo%2B1.jpg.jpg"


def test_only_rsa_keys_sign() -> None:
    elliptic = ec.generate_private_key(ec.SECP256R1())
    with pytest.raises(ValueError, match="RSA"):
        CloudFrontSignedUrls(BASE, KEY_PAIR_ID, _pem(elliptic))


def test_the_signing_key_is_read_once_from_secrets_manager(private_key: rsa.RSAPrivateKey) -> None:
    with mock_aws():
        secrets = boto3.client("secretsmanager")
        secrets.create_secret(Name="ape-moments-test-media-signing-key", SecretString=_pem(private_key))
        signing_key.cache_clear()
        assert signing_key("ape-moments-test-media-signing-key") == _pem(private_key)
        secrets.delete_secret(SecretId="ape-moments-test-media-signing-key", ForceDeleteWithoutRecovery=True)
        assert signing_key("ape-moments-test-media-signing-key") == _pem(private_key)  # cached
        signing_key.cache_clear()


def test_a_missing_or_wrong_secret_fails_naming_the_secret_never_its_value() -> None:
    with mock_aws():
        signing_key.cache_clear()
        with pytest.raises(RuntimeError, match="could not read the media signing key from absent: ResourceNotFound"):
            signing_key("absent")
        boto3.client("secretsmanager").create_secret(Name="not-a-key", SecretString="hunter2-not-a-key")
        with pytest.raises(RuntimeError) as raised:
            signing_key("not-a-key")
        assert "hunter2" not in str(raised.value)
        signing_key.cache_clear()


def test_the_adapter_follows_the_configuration(monkeypatch: pytest.MonkeyPatch, private_key: rsa.RSAPrivateKey) -> None:
    monkeypatch.setenv("MEDIA_BUCKET_NAME", "media")
    with mock_aws():
        assert isinstance(read_urls(MediaUrlSettings.from_environment()), S3PresignedUrls)
        boto3.client("secretsmanager").create_secret(Name="signing", SecretString=_pem(private_key))
        monkeypatch.setenv("MEDIA_URL_BASE", BASE)
        monkeypatch.setenv("MEDIA_KEY_PAIR_ID", KEY_PAIR_ID)
        monkeypatch.setenv("MEDIA_SIGNING_KEY_SECRET", "signing")
        media_urls.signing_key.cache_clear()
        urls = read_urls(MediaUrlSettings.from_environment())
        assert isinstance(urls, CloudFrontSignedUrls)
        assert urls.url_for(KEY, expires_in=60).startswith(f"{BASE}/{KEY}?Expires=")
        media_urls.signing_key.cache_clear()


def test_the_three_cdn_variables_go_together(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDIA_BUCKET_NAME", "media")
    monkeypatch.setenv("MEDIA_URL_BASE", BASE)
    with pytest.raises(ConfigurationError, match="MEDIA_KEY_PAIR_ID"):
        MediaUrlSettings.from_environment()
    monkeypatch.setenv("MEDIA_URL_BASE", "d111.cloudfront.net")  # no scheme
    monkeypatch.setenv("MEDIA_KEY_PAIR_ID", KEY_PAIR_ID)
    monkeypatch.setenv("MEDIA_SIGNING_KEY_SECRET", "signing")
    with pytest.raises(ConfigurationError, match="MEDIA_URL_BASE"):
        MediaUrlSettings.from_environment()


# ---- the local /media checks (devtools/local_stack/media_cdn.py) -----------------------------------


LOCAL_BASE = "http://127.0.0.1:4000/media"


@pytest.fixture(scope="module")
def cdn() -> MediaCdn:
    return MediaCdn(s3=None, bucket="media", base_url=LOCAL_BASE, key_pair_id="LOCALKEY", clock=lambda: NOW)


def _local_url(cdn: MediaCdn, key: str = KEY, expires_in: int = 900) -> str:
    return CloudFrontSignedUrls(LOCAL_BASE, cdn.key_pair_id, cdn.private_key_pem, clock=lambda: NOW).url_for(
        key, expires_in=expires_in
    )


def _check(cdn: MediaCdn, url: str) -> str | None:
    parts = urlsplit(url)
    return cdn.refusal(parts.path.removeprefix("/media/"), parts.query)


def _with_query(url: str, **changes: str | None) -> str:
    parts = urlsplit(url)
    query = {name: values[0] for name, values in parse_qs(parts.query).items()}
    for argument, value in changes.items():
        name = argument.replace("_", "-")
        if value is None:
            query.pop(name, None)
        else:
            query[name] = value
    return urlunsplit(parts._replace(query=urlencode(query)))


def test_the_local_cdn_accepts_what_the_functions_sign(cdn: MediaCdn) -> None:
    assert _check(cdn, _local_url(cdn)) is None
    assert _check(cdn, _local_url(cdn, key="renders/albums/a1/20261203T062000123Z/album.pdf")) is None


def test_the_local_cdn_refuses_every_tampering(cdn: MediaCdn) -> None:
    url = _local_url(cdn)
    signature = _query(url)["Signature"]
    flipped = ("A" if signature[10] != "A" else "B").join([signature[:10], signature[11:]])
    other_key = url.replace("booth.jpg", "other.jpg")
    tampered = {
        "missing signature": _with_query(url, Signature=None),
        "changed signature": _with_query(url, Signature=flipped),
        "garbage signature": _with_query(url, Signature="%%%"),
        "changed key": other_key,
        "changed key pair": _with_query(url, Key_Pair_Id="K2JCJMDEHXQW5F"),
        "missing key pair": _with_query(url, Key_Pair_Id=None),
        "later expiry": _with_query(url, Expires=str(NOW + 901)),
        "missing expiry": _with_query(url, Expires=None),
        "repeated expiry": url + f"&Expires={NOW + 900}",
    }
    refusals = {name: _check(cdn, changed) for name, changed in tampered.items()}
    assert all(refusals.values()), refusals


def test_the_local_cdn_refuses_an_expired_url(cdn: MediaCdn) -> None:
    earlier = MediaCdn(s3=None, bucket="media", base_url=LOCAL_BASE, key_pair_id="LOCALKEY", clock=lambda: NOW + 901)
    url = CloudFrontSignedUrls(LOCAL_BASE, "LOCALKEY", earlier.private_key_pem, clock=lambda: NOW).url_for(
        KEY, expires_in=900
    )
    assert earlier.refusal(KEY, urlsplit(url).query) == "AccessDenied: the URL has expired"


def test_the_local_cdn_refuses_a_url_signed_by_another_key(cdn: MediaCdn) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    url = CloudFrontSignedUrls(LOCAL_BASE, cdn.key_pair_id, _pem(stranger), clock=lambda: NOW).url_for(
        KEY, expires_in=900
    )
    assert _check(cdn, url) == "AccessDenied: the signature does not match the URL"


# ---- what CloudFront and browsers may keep: thumbnails and renders, immutable under their keys ----


def test_thumbnails_and_renders_are_written_cacheable_for_a_year_and_uploads_are_not() -> None:
    from ape_moments.media.photo_storage import PhotoStorage

    with mock_aws():
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket="media")
        storage = PhotoStorage("media", s3)
        storage.put_thumbnail(f"thumbnails/{KEY}.jpg", b"jpeg", content_type="image/jpeg")
        storage.put_render("renders/collages/c1/r1/collage.jpg", b"jpeg", content_type="image/jpeg")
        pdf = storage.render_upload("renders/albums/a1/r1/album.pdf", content_type="application/pdf")
        pdf.write(b"%PDF-1.7")
        pdf.complete()
        for key in (f"thumbnails/{KEY}.jpg", "renders/collages/c1/r1/collage.jpg", "renders/albums/a1/r1/album.pdf"):
            assert s3.head_object(Bucket="media", Key=key)["CacheControl"] == "public, max-age=31536000, immutable"
        with pytest.raises(ValueError, match="renders/"):
            storage.put_render("renders/collages/c1/collage.jpg", b"jpeg", content_type="image/jpeg")  # no render id


def test_the_key_is_read_on_the_first_url_not_before(monkeypatch: pytest.MonkeyPatch) -> None:
    """A request that signs nothing (a PENDING order's getOrder) never reads the secret."""
    for name, value in {
        "MEDIA_BUCKET_NAME": "media",
        "MEDIA_URL_BASE": BASE,
        "MEDIA_KEY_PAIR_ID": KEY_PAIR_ID,
        "MEDIA_SIGNING_KEY_SECRET": "not-yet-made",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        signing_key.cache_clear()
        urls = read_urls(MediaUrlSettings.from_environment())  # no secret exists: nothing was read
        with pytest.raises(RuntimeError, match="not-yet-made"):
            urls.url_for(KEY, expires_in=60)
        signing_key.cache_clear()


def test_within_a_minute_an_object_gets_one_url_signed_once(private_key: rsa.RSAPrivateKey) -> None:
    now = [NOW + 10.0]
    signatures: list[bytes] = []
    urls = CloudFrontSignedUrls(BASE, KEY_PAIR_ID, _pem(private_key), clock=lambda: now[0])
    real = urls._make_signer(_pem(private_key))
    urls._signer = type(real)(KEY_PAIR_ID, lambda message: signatures.append(message) or real.rsa_signer(message))
    first = urls.url_for(KEY, expires_in=900)
    now[0] = NOW + 50.0
    assert urls.url_for(KEY, expires_in=900) == first  # same minute: the same URL, not signed again
    assert len(signatures) == 1
    assert _query(first)["Expires"] == str(NOW + 900)  # rounded down: never later than asked
    now[0] = NOW + 70.0
    later = urls.url_for(KEY, expires_in=900)
    assert _query(later)["Expires"] == str(NOW + 960)
    assert len(signatures) == 2

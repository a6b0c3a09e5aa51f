"""Read URLs for the media bucket (SPEC 16): one port, two adapters.

Every URL the API hands out for reading (photo originals and thumbnails, rendered collages and
album PDFs, order downloads) comes from a ``MediaUrls``. On AWS that is ``CloudFrontSignedUrls``:
a canned-policy signed URL of the media distribution (``Expires``, ``Signature``,
``Key-Pair-Id``), signed with the trusted key group's private key, which is read from Secrets
Manager once per execution environment and never logged. ``S3PresignedUrls`` (a presigned S3
GET) remains for code paths and tests without a distribution. Uploads are not read URLs: they
stay presigned S3 PUTs (``photo_storage``).

Both adapters compute URLs locally: no AWS call per URL.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import quote

from ape_moments.settings import MediaUrlSettings

# What the first signed URL imports: SnapStart priming loads these before the snapshot in the
# functions that hand out read URLs (the key itself is read after the restore, on first use).
SIGNING_IMPORTS = (
    "botocore.signers",
    "cryptography.hazmat.primitives.hashes",
    "cryptography.hazmat.primitives.serialization",
    "cryptography.hazmat.primitives.asymmetric.padding",
    "cryptography.hazmat.primitives.asymmetric.rsa",
)


EXPIRY_STEP = 60  # seconds: signed URLs expire on a minute boundary (at most a minute early)
SIGNED_CACHE_SIZE = 4096  # URLs an execution environment keeps for reuse within their minute


class MediaUrls(Protocol):
    def url_for(self, key: str, *, expires_in: int) -> str:
        """A URL that reads the object ``key`` for ``expires_in`` seconds from now."""
        ...


class S3PresignedUrls:
    """A SigV4 presigned S3 GET; dies with the signing role's session."""

    def __init__(self, bucket: str, client: Any) -> None:
        self._bucket = bucket
        self._client = client

    def url_for(self, key: str, *, expires_in: int) -> str:
        url: str = self._client.generate_presigned_url(
            "get_object", Params={"Bucket": self._bucket, "Key": key}, ExpiresIn=expires_in, HttpMethod="GET"
        )
        return url


class CloudFrontSignedUrls:
    """Canned-policy CloudFront signed URLs: ``{base}/{key}?Expires=&Signature=&Key-Pair-Id=``.

    The canned policy names the exact URL (scheme, host, path) and the expiry, so a changed path,
    expiry, or key pair id no longer matches the signature. ``base_url`` is the distribution's
    ``https://{domain}`` on AWS and the local stack's ``http://127.0.0.1:{port}/media`` locally.
    """

    def __init__(
        self,
        base_url: str,
        key_pair_id: str,
        private_key_pem: str | Callable[[], str],
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._key_pair_id = key_pair_id
        self._clock = clock
        self._signer: Any = None
        self._signed: dict[tuple[str, int], str] = {}
        # A callable is the key read on the first URL (a request that signs nothing, a PENDING
        # order say, never reads the secret); a PEM is checked now.
        self._private_key = private_key_pem
        if isinstance(private_key_pem, str):
            self._signer = self._make_signer(private_key_pem)

    def _make_signer(self, private_key_pem: str) -> Any:
        from botocore.signers import CloudFrontSigner

        return CloudFrontSigner(self._key_pair_id, rsa_signer(private_key_pem))

    def url_for(self, key: str, *, expires_in: int) -> str:
        # Expiry on a minute boundary, never later than asked: within a minute every read of an
        # object gets the same URL, so the browser's cache hits too, and this environment signs
        # it once (an RSA signature costs about a millisecond of a full core).
        expires = (int(self._clock()) + expires_in) // EXPIRY_STEP * EXPIRY_STEP
        cached = self._signed.get((key, expires))
        if cached is not None:
            return cached
        if self._signer is None:
            pem = self._private_key() if callable(self._private_key) else self._private_key
            self._signer = self._make_signer(pem)
        url = f"{self._base_url}/{quote(key, safe='/')}"
        signed: str = self._signer.generate_presigned_url(url, date_less_than=datetime.fromtimestamp(expires, UTC))
        if len(self._signed) >= SIGNED_CACHE_SIZE:
            self._signed.clear()
        self._signed[key, expires] = signed
        return signed


def rsa_signer(private_key_pem: str) -> Callable[[bytes], bytes]:
    """RSASSA-PKCS1-v1_5 with SHA-1 over the policy: what CloudFront verifies.

    ``cryptography`` is imported here, on the first URL an execution environment makes, so
    functions that hand out no read URL never load it.
    """
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    # The key is our own, from our Secrets Manager secret: OpenSSL's RSA consistency check (about
    # 33 ms of CPU, a third of a restored photo listing's first request) proves nothing we do not
    # already trust, and a broken key still fails loudly (CloudFront refuses its signatures: 403).
    key = serialization.load_pem_private_key(
        private_key_pem.encode(), password=None, unsafe_skip_rsa_key_validation=True
    )
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the media signing key must be an RSA private key")

    def sign(message: bytes) -> bytes:
        # SHA-1 is what CloudFront's canned policy signature is defined with; not our choice.
        return key.sign(message, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303

    return sign


@functools.cache
def signing_key(secret_id: str) -> str:
    """The private key (PEM) in Secrets Manager, read once per execution environment (on its first URL).

    Never logged, never in an error: a failure names the secret only.
    """
    from ape_moments import aws

    try:
        value = aws.client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"]
    except Exception as error:
        code = getattr(error, "response", {}).get("Error", {}).get("Code", type(error).__name__)
        raise RuntimeError(f"could not read the media signing key from {secret_id}: {code}") from None
    if not isinstance(value, str) or "PRIVATE KEY-----" not in value:
        raise RuntimeError(f"the secret {secret_id} does not hold a PEM private key")
    return value


def read_urls(config: MediaUrlSettings) -> MediaUrls:
    """The configured adapter: CloudFront when the function has a distribution, else S3 presigning."""
    from ape_moments import aws

    if config.media_url_base and config.media_key_pair_id and config.media_signing_key_secret:
        secret = config.media_signing_key_secret
        return CloudFrontSignedUrls(config.media_url_base, config.media_key_pair_id, lambda: signing_key(secret))
    return S3PresignedUrls(config.media_bucket_name, aws.lazy_client("s3"))

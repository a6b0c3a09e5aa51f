"""Upload rules (SPEC section 5): content types, extensions, the size limit, safe object keys.

Pure rules, no I/O. The limits also hold against a client that lies: the presigned PUT signs
the exact Content-Type and Content-Length checked here, so S3 refuses any other (see
``photo_storage.PhotoStorage.presign_put``). That needs the size up front, so ``fileSize``,
optional in the schema, is required here.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Annotated, Literal, Self, get_args

from pydantic import Field, StrictInt, model_validator

from ape_moments.models import ApiModel

MAX_UPLOAD_BYTES = 25 * 1024 * 1024  # 25 MiB
MAX_FILE_NAME_LENGTH = 255  # the longest file name common file systems allow
MAX_SAFE_NAME_LENGTH = 100
FALLBACK_STEM = "photo"

ContentType = Literal["image/jpeg", "image/png", "image/webp", "image/heic"]
EXTENSIONS: dict[str, frozenset[str]] = {
    "image/jpeg": frozenset({"jpg", "jpeg"}),
    "image/png": frozenset({"png"}),
    "image/webp": frozenset({"webp"}),
    "image/heic": frozenset({"heic"}),
}
assert set(EXTENSIONS) == set(get_args(ContentType))

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_DOTS = re.compile(r"\.{2,}")


def base_name(file_name: str) -> str:
    """The last path segment, whichever separator the client's system uses."""
    return re.split(r"[/\\]", file_name)[-1]


def extension_of(file_name: str) -> str:
    """The lower-case extension of the base name ('' if it has none)."""
    stem, dot, extension = base_name(file_name).rpartition(".")
    return extension.lower() if dot and stem.strip(".") else ""


def safe_file_name(file_name: str) -> str:
    """``file_name`` reduced to a safe base name: no path, only ``[A-Za-z0-9._-]``, at most 100.

    Accents are folded to ASCII (é -> e), other characters become ``_``, runs of dots collapse
    (no ``..``), and no name starts with a dot. The extension is kept, lower-cased.
    """
    name = base_name(file_name)
    stem, _, extension = name.rpartition(".")
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    safe_stem = _DOTS.sub(".", _UNSAFE.sub("_", ascii_stem)).strip("._-") or FALLBACK_STEM
    safe_extension = _UNSAFE.sub("", extension.lower())
    return f"{safe_stem[: MAX_SAFE_NAME_LENGTH - len(safe_extension) - 1]}.{safe_extension}"


def object_key(prefix: str, file_name: str, now: datetime) -> str:
    """``{prefix}{timestamp}-{safe name}``; the timestamp (epoch milliseconds) keeps names apart."""
    return f"{prefix}{int(now.timestamp() * 1000)}-{safe_file_name(file_name)}"


class PresignUploadRequest(ApiModel):
    file_name: Annotated[str, Field(min_length=1, max_length=MAX_FILE_NAME_LENGTH)]
    content_type: ContentType
    # Required in practice (the signature covers the exact size), so missing is a ValidationError.
    file_size: Annotated[StrictInt, Field(ge=1, le=MAX_UPLOAD_BYTES)] | None = None

    @model_validator(mode="after")
    def _signable(self) -> Self:
        if self.file_size is None:
            raise ValueError("fileSize is required: the upload URL is signed for the exact size")
        allowed = EXTENSIONS[self.content_type]
        if extension_of(self.file_name) not in allowed:
            expected = " or ".join(f".{extension}" for extension in sorted(allowed))
            raise ValueError(f"fileName must end in {expected} for {self.content_type}")
        return self

    @property
    def size(self) -> int:
        assert self.file_size is not None  # checked by _signable
        return self.file_size


class PresignedUpload(ApiModel):
    presigned_url: str
    s3_key: str
    expires_in: int

    def to_graphql(self) -> dict[str, str | int]:
        return {"presignedUrl": self.presigned_url, "s3Key": self.s3_key, "expiresIn": self.expires_in}

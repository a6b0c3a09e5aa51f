"""The upload pipeline: an object landed under albums/ or collages/ becomes a photo, or is refused.

Runs in the upload events function, the only one with the imaging layer (``ape_imaging``). For
one S3 ObjectCreated record:

1. a photo already recorded under this key is done (S3 delivered the event again): nothing else;
2. the album or collage must exist, else the upload is deleted (its URL outlived the item);
3. the exact version S3 reported is downloaded to /tmp; one stored with headers or metadata the
   presigned PUT does not set (Content-Disposition, Cache-Control, x-amz-meta-*, ...) is refused,
   the rest is decoded by ``check_photo``, its work bounded (scan bombs refused before decoding);
   a refusal deletes every version of the key, is logged with its reason and counted
   (``PhotosRefused``);
4. the thumbnail is written under ``thumbnails/`` (outside the notifications: never an upload);
5. one transaction puts the record if absent and counts it on the album (up to the album's
   limit), or checks the collage still exists: so ``imageCount`` is exact under redelivered
   events, concurrent uploads and deletes. A parent gone meanwhile, or a full album, removes
   the files; a record written meanwhile by another delivery is that delivery's success.

Errors other than refusals are raised: S3 invokes the function asynchronously, Lambda retries
twice, then the event goes to the failure queue. Every step is idempotent, so retries are safe.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import IO, Any

from aws_lambda_powertools import Logger

from ape_imaging.photos import CheckedPhoto, PhotoRefused, check_photo
from ape_moments import metrics
from ape_moments.media.photo_repository import PhotosRepository
from ape_moments.media.photo_service import PhotoParents
from ape_moments.media.photo_storage import LandedUpload, PhotoStorage, UploadGone
from ape_moments.media.photos import Photo, PhotoParent, file_name_of, thumbnail_key
from ape_moments.media.uploads import MAX_UPLOAD_BYTES
from ape_moments.models import PHOTO_KEY, Kind
from ape_moments.table import TransactionRefused, transact

logger = Logger(child=True)


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    ALREADY_RECORDED = "already_recorded"  # a redelivered event, or the same key landing twice
    REFUSED = "refused"  # not a photo (see the reason): deleted
    GONE = "gone"  # deleted before it could be processed: nothing to do
    IGNORED = "ignored"  # not a key this backend hands out


class Refusal(StrEnum):
    """Reasons besides ``ape_imaging``'s (the ``reason`` dimension of ``PhotosRefused``)."""

    TOO_LARGE = "too_large"  # over the upload limit (the presigned PUT should have stopped it)
    ALBUM_FULL = "album_full"  # the album holds MAX_PHOTOS_PER_ALBUM photos already
    OWNER_GONE = "owner_gone"  # its album or collage was deleted
    OVERWRITE = "overwrite"  # a second upload to a key that already holds a photo
    CHOSEN_HEADERS = "chosen_headers"  # stored with headers or metadata the presigned PUT does not set


@dataclass(frozen=True, slots=True)
class LandedObject:
    """One ObjectCreated record, as the handler reads it from the event."""

    bucket: str
    raw_key: str  # URL-encoded, as S3 sends it
    version_id: str | None
    size: int
    event_time: str  # AWSDateTime: when S3 stored it, the photo's uploadedAt


type Checker = Callable[[IO[bytes] | str, str], CheckedPhoto]


class PhotoPipeline:
    def __init__(
        self,
        photos: PhotosRepository,
        parents: PhotoParents,
        storage: PhotoStorage,
        dynamodb: Any,
        *,
        check: Checker = check_photo,
    ) -> None:
        self._photos = photos
        self._parents = parents
        self._storage = storage
        self._dynamodb = dynamodb
        self._check = check

    def photo_landed(self, landed: LandedObject) -> Outcome:
        upload = self._storage.landed(landed.bucket, landed.raw_key, landed.version_id, PHOTO_KEY)
        if upload is None:
            return Outcome.IGNORED
        recorded = self._photos.get(upload.key)
        if recorded is not None:
            return self._again(upload, recorded)
        kind = Kind.of_prefix(upload.key.split("/", 1)[0])
        parent = self._parents.get(kind, upload.item_id)
        if parent is None:
            return self._refuse(upload, Refusal.OWNER_GONE, "its album or collage no longer exists")
        if landed.size > MAX_UPLOAD_BYTES:
            return self._refuse(upload, Refusal.TOO_LARGE, f"{landed.size} bytes is over the upload limit")
        return self._process(upload, parent, landed.event_time)

    def _process(self, upload: LandedUpload, parent: PhotoParent, uploaded_at: str) -> Outcome:
        """Download the exact version to /tmp, decode it, write the thumbnail, record it."""
        with tempfile.NamedTemporaryFile(prefix="upload-") as scratch:
            try:
                downloaded = self._storage.download(upload.key, upload.version_id, scratch)
            except UploadGone:
                logger.info("upload deleted before it was processed", key=upload.key)
                return Outcome.GONE
            if downloaded.chosen_headers:
                # Served back with the photo, they would be the uploader's say over how a browser
                # treats it (a download, a cache, a redirect): such an upload is not one of ours.
                detail = f"stored with {', '.join(downloaded.chosen_headers)}"
                return self._refuse(upload, Refusal.CHOSEN_HEADERS, detail)
            try:
                checked = self._check(scratch.name, downloaded.content_type)
            except PhotoRefused as refused:
                return self._refuse(upload, refused.reason, refused.message)
        photo = Photo(
            key=upload.key,
            parent=parent.prefix,
            customer_id=parent.customer_id,
            file_name=file_name_of(upload.name),
            content_type=checked.content_type,
            size=downloaded.size,
            width=checked.width,
            height=checked.height,
            thumbnail_key=thumbnail_key(upload.key, upload.version_id),
            uploaded_at=uploaded_at,
            version_id=upload.version_id,
        )
        self._storage.put_thumbnail(photo.thumbnail_key, checked.thumbnail, content_type=checked.thumbnail_content_type)
        return self._record(upload, photo, parent)

    def _record(self, upload: LandedUpload, photo: Photo, parent: PhotoParent) -> Outcome:
        """Record and count in one transaction; explain a refusal from what it handed back."""
        added = self._parents.photo_added(parent.kind.kind, upload.item_id, now=photo.uploaded_at)
        try:
            transact(self._dynamodb, [self._photos.insert_action(photo), added])
        except TransactionRefused as refused:
            if refused.failed(0):  # another delivery of this upload (or another upload to this key) won
                recorded = self._photos.model_of(refused.items[0])
                if recorded is None or recorded.thumbnail_key == photo.thumbnail_key:
                    logger.info("photo already recorded", key=upload.key)
                    return Outcome.ALREADY_RECORDED
                self._storage.delete_every_version_of(photo.thumbnail_key)  # ours: this version lost
                return self._again(upload, recorded)
            self._storage.delete_every_version_of(photo.thumbnail_key)
            if refused.items[1] is None:
                return self._refuse(upload, Refusal.OWNER_GONE, "its album or collage was deleted meanwhile")
            full = f"{parent.kind.rules.noun} holds at most {parent.kind.max_photos} photos"
            return self._refuse(upload, Refusal.ALBUM_FULL, full)
        metrics.photo_accepted(upload.key)
        logger.info("photo accepted", key=upload.key, width=photo.width, height=photo.height, size=photo.size)
        return Outcome.ACCEPTED

    def _again(self, upload: LandedUpload, recorded: Photo) -> Outcome:
        """A key already recorded: the same version again is done; another version is a second
        PUT to the key (the same presigned URL used twice): one key is one photo, the first one,
        so only that new version goes and the checked one is current again."""
        if recorded.version_id in (None, upload.version_id) or upload.version_id is None:
            logger.info("photo already recorded", key=upload.key)
            return Outcome.ALREADY_RECORDED
        return self._refuse(upload, Refusal.OVERWRITE, "the key already holds a photo", exact=True)

    def _refuse(self, upload: LandedUpload, reason: str, message: str, *, exact: bool = False) -> Outcome:
        """Delete the upload, log why, count it (in total and by reason).

        Every version of the key goes, unless a photo is recorded under it (a second upload to a
        recorded key, or one refused while the first was being recorded): then only this exact
        version, so the recorded photo keeps its bytes.
        """
        if exact or (upload.version_id and self._photos.get(upload.key) is not None):
            assert upload.version_id is not None
            self._storage.delete_version(upload.key, upload.version_id)
        else:
            self._storage.delete_every_version_of(upload.key)
        logger.warning("upload refused and deleted", key=upload.key, reason=str(reason), detail=message)
        metrics.photo_refused(upload.key, reason)
        return Outcome.REFUSED

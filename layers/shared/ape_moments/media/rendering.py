"""The renderer (SPEC section 8): a render request becomes the collage's JPEG or the album's PDF,
then the item COMPLETED; or FAILED (an album: READY) with a message the owner can act on.

Needs the imaging layer: only the renderer function imports this module. Safe to run twice for
the same request: an item no longer in PROCESSING is skipped, and the output's key is fixed per
submission (``renders``: the render id), so a redelivery overwrites rather than adds. Nothing half-written is ever
visible: the collage is encoded in memory (about 1 MB) and written in one PutObject; the PDF
goes through a multipart upload completed only when the file is whole, aborted otherwise.

Errors: a ``RenderError`` (bad template or metadata, a photo missing, not an image, damaged) is
the owner's to fix and ends the render at once. Anything else (S3 or DynamoDB trouble, a bug,
memory) is raised, so the queue retries the request and, after its last attempt, the dead-letter
function moves the item out of PROCESSING.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO, cast

from aws_lambda_powertools import Logger

from ape_imaging.album_pdf import write_album_pdf
from ape_imaging.collage import render_collage
from ape_imaging.render_source import RenderError, SourceOpener
from ape_moments import metrics
from ape_moments.media.albums import Album
from ape_moments.media.collages import Collage
from ape_moments.media.items import PROCESSING, MediaItem
from ape_moments.media.photo_repository import PhotosRepository
from ape_moments.media.photo_storage import PhotoStorage, UploadGone
from ape_moments.media.render_service import RenderOutcomes
from ape_moments.media.renders import RenderRequest, album_pdf_key, collage_output_key, render_id_of
from ape_moments.models import Kind

logger = Logger(child=True)

_PHOTOS_PAGE = 100  # album photos are listed a page at a time while the PDF is written


class SourceUnavailable(RenderError):  # noqa: N818 - a signal to retry, not a failure
    """S3 could not serve a photo for a reason that may pass (throttling, a network error).

    A ``RenderError`` only so the imaging code passes it through untouched; the renderer raises
    the original error again, to be retried, instead of failing the item.
    """

    def __init__(self, cause: Exception) -> None:
        super().__init__("a photo could not be fetched")
        self.cause = cause


class Renderer:
    def __init__(
        self,
        outcomes: RenderOutcomes,
        photos: PhotosRepository,
        storage: PhotoStorage,
        *,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self._outcomes = outcomes
        self._photos = photos
        self._storage = storage
        self._timer = timer

    def render(self, request: RenderRequest) -> None:
        started = self._timer()
        item = self._outcomes.item(request)
        if item is None or item.status != PROCESSING:
            status = item and item.status
            logger.info("item not in PROCESSING; skipped", kind=request.kind.value, item_id=request.id, status=status)
            return
        # The one place the kinds draw differently: a collage is one JPEG, an album a PDF.
        draw = self._collage if request.kind is Kind.COLLAGE else self._album
        render_id = request.render_id or render_id_of(item.updated_at)
        try:
            output_key = draw(item, render_id)
        except SourceUnavailable as unavailable:
            raise unavailable.cause from None
        except RenderError as error:
            logger.info("render refused", kind=request.kind.value, item_id=request.id, reason=str(error))
            if self._outcomes.failed(request, str(error)):
                self._count(request, started, completed=False)
            return
        if self._outcomes.completed(request, output_key):
            self._count(request, started, completed=True)

    def _count(self, request: RenderRequest, started: float, *, completed: bool) -> None:
        elapsed_ms = (self._timer() - started) * 1000
        metrics.render_finished(request.id, completed=completed, duration_ms=elapsed_ms)

    def _collage(self, collage: MediaItem, render_id: str) -> str:
        assert isinstance(collage, Collage)
        gutter, background = _layout_of(collage.metadata)
        out = io.BytesIO()
        render_collage(
            collage.template.value,
            [self._opener(key) for key in collage.source_images or []],
            out,
            gutter=gutter,
            background=background,
        )
        key = collage_output_key(collage.collage_id, render_id)
        self._storage.put_render(key, out.getvalue(), content_type="image/jpeg")
        return key

    def _album(self, album: MediaItem, render_id: str) -> str:
        assert isinstance(album, Album)
        key = album_pdf_key(album.album_id, render_id)
        upload = self._storage.render_upload(key, content_type="application/pdf")
        try:
            stats = write_album_pdf(
                cast(BinaryIO, upload),
                name=album.name,
                description=album.description,
                photos=self._album_photos(album.s3_prefix),
            )
            upload.complete()
        except BaseException:
            upload.abort()
            raise
        logger.info("album PDF written", album_id=album.album_id, pages=stats.pages, bytes=stats.bytes_written)
        return key

    def _album_photos(self, parent: str) -> Iterator[SourceOpener]:
        """The album's listed photos in upload order, a page at a time (memory stays flat)."""
        token: str | None = None
        while True:
            page = self._photos.list_for_parent(parent, limit=_PHOTOS_PAGE, token=token)
            for photo in page.items:
                yield self._opener(photo.key)
            token = page.next_token
            if token is None:
                return

    def _opener(self, key: str) -> SourceOpener:
        open_object = self._storage.opener(key)

        def open_source() -> BinaryIO:
            try:
                return cast(BinaryIO, open_object())
            except UploadGone:
                raise  # the imaging code reports it as "photo N could not be read: it could not be opened"
            except Exception as error:
                raise SourceUnavailable(error) from error

        return open_source


def _layout_of(metadata: str | None) -> tuple[Any, Any]:
    """The collage's ``metadata.gutter`` and ``metadata.background`` (checked by the renderer)."""
    values = json.loads(metadata) if metadata else {}
    return values.get("gutter"), values.get("background")

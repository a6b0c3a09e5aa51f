"""Album PDFs (SPEC 8), written page by page to a binary file object.

A small PDF writer of our own (docs/RENDERING.md says why, with the measurements): each photo
page is written out as soon as it is made (image, content stream, page object) and only the
byte offsets of the objects stay in memory, so memory stays flat from 1 to 500 photos.

JPEG photos pass through byte for byte (only their metadata segments are dropped): their EXIF
orientation becomes the drawing matrix, so nothing is re-encoded. Other formats (HEIC, PNG),
JPEGs in CMYK and JPEGs far sharper than print needs are decoded once and written as a new JPEG
at 300 dpi of the size they are drawn.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable, Sized
from dataclasses import dataclass
from typing import BinaryIO

from PIL import Image

from ape_imaging.orientation import orientation_of, oriented_size
from ape_imaging.render_source import (
    InvalidRenderSpec,
    SourceOpener,
    decode_cover,
    open_image,
    read_source,
)

POINTS_PER_INCH = 72
PAGE_WIDTH = 8 * POINTS_PER_INCH  # 576 pt
PAGE_HEIGHT = 10 * POINTS_PER_INCH  # 720 pt
MARGIN = POINTS_PER_INCH // 4  # 18 pt
PRINT_DPI = 300
# A JPEG passes through while it has at most this many pixels per inch as drawn; sharper ones
# (a 48 MP photo) are re-encoded at PRINT_DPI so the file stays a sensible size.
PASS_THROUGH_MAX_DPI = 600
REENCODE_QUALITY = 90
MAX_PHOTOS = 500
NAME_MAX_CHARS = 200
DESCRIPTION_MAX_CHARS = 2000
TITLE_SIZE = 28
TEXT_SIZE = 14
LINE_GAP = 1.3

# Helvetica's advance widths (1/1000 em) for ASCII 32..126, from Adobe's core-font metrics;
# other Latin-1 characters count as the widest capital's width, so wrapping never overflows.
_HELVETICA_ASCII = (
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667,
    611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500,
    222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
)  # fmt: skip
_WIDEST = 1000


@dataclass(frozen=True, slots=True)
class AlbumPdfStats:
    pages: int
    bytes_written: int
    passed_through: int
    reencoded: int


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a photo of displayed size (width, height) is drawn on its page, in points."""

    x: float
    y: float
    width: float
    height: float


def place_photo(displayed_size: tuple[int, int]) -> Placement:
    """Fitted inside the 0.25 in margins, aspect kept, centred."""
    box_w, box_h = PAGE_WIDTH - 2 * MARGIN, PAGE_HEIGHT - 2 * MARGIN
    scale = min(box_w / displayed_size[0], box_h / displayed_size[1])
    width, height = displayed_size[0] * scale, displayed_size[1] * scale
    return Placement((PAGE_WIDTH - width) / 2, (PAGE_HEIGHT - height) / 2, width, height)


def orientation_matrix(orientation: int, place: Placement) -> tuple[float, ...]:
    """The ``cm`` matrix that draws a stored image upright into ``place``.

    PDF draws an image into the unit square, first row at the top. Each EXIF orientation maps
    the stored image onto the displayed one by a flip and/or a quarter turn; these are those maps
    followed by the scale and translation to ``place`` (derivation in docs/RENDERING.md).
    """
    x, y, w, h = place.x, place.y, place.width, place.height
    return {
        1: (w, 0, 0, h, x, y),
        2: (-w, 0, 0, h, x + w, y),
        3: (-w, 0, 0, -h, x + w, y + h),
        4: (w, 0, 0, -h, x, y + h),
        5: (0, -h, -w, 0, x + w, y + h),
        6: (0, -h, w, 0, x, y + h),
        7: (0, h, w, 0, x, y),
        8: (0, h, -w, 0, x + w, y),
    }[orientation]


def write_album_pdf(
    out: BinaryIO,
    *,
    name: str,
    description: str | None,
    photos: Iterable[SourceOpener],
) -> AlbumPdfStats:
    """Write the album to ``out``: a cover page, then one page per photo in the given order.

    Raises ``InvalidRenderSpec`` for an empty name, no photos or more than ``MAX_PHOTOS``, and
    ``UnreadableSource`` for a photo that cannot be read. ``out`` then holds a partial file:
    the caller writes to a temporary file and publishes it only on success.
    """
    title = " ".join(name.split())
    if not title or len(title) > NAME_MAX_CHARS:
        raise InvalidRenderSpec(f"name must have 1 to {NAME_MAX_CHARS} characters")
    if description is not None and len(description) > DESCRIPTION_MAX_CHARS:
        raise InvalidRenderSpec(f"description must have at most {DESCRIPTION_MAX_CHARS} characters")
    if isinstance(photos, Sized) and not 1 <= len(photos) <= MAX_PHOTOS:
        # a list is refused before anything is written; a lazy iterable is counted as it goes
        raise InvalidRenderSpec(f"an album needs 1 to {MAX_PHOTOS} photos")
    writer = _PdfWriter(out)
    writer.add_cover(title, description or "")
    for index, opener in enumerate(photos):
        if index >= MAX_PHOTOS:
            raise InvalidRenderSpec(f"an album needs 1 to {MAX_PHOTOS} photos")
        writer.add_photo(opener, index)
    if writer.photo_pages == 0:
        raise InvalidRenderSpec(f"an album needs 1 to {MAX_PHOTOS} photos")
    return writer.finish()


def _fmt(value: float) -> str:
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in {"", "-0"} else text


def _pdf_string(text: str) -> bytes:
    """A literal string in WinAnsiEncoding; characters it lacks print as '?'."""
    encoded = text.encode("cp1252", errors="replace")
    return b"(" + encoded.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def text_width(text: str, size: float) -> float:
    total = 0
    for char in text:
        code = ord(char)
        total += _HELVETICA_ASCII[code - 32] if 32 <= code <= 126 else _WIDEST
    return total * size / 1000


def wrap(text: str, size: float, width: float) -> list[str]:
    """Greedy word wrap; a word wider than the line is cut where it must be."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}" if line else word
            if text_width(candidate, size) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            rest = word
            while len(rest) > 1 and text_width(rest, size) > width:
                cut = 1
                while text_width(rest[: cut + 1], size) <= width:
                    cut += 1
                lines.append(rest[:cut])
                rest = rest[cut:]
            line = rest
        lines.append(line)
    return lines


def strip_jpeg_metadata(data: bytes) -> bytes:
    """The JPEG without its EXIF, XMP, IPTC and comment segments (APP1, APP13, COM)."""
    return b"".join(jpeg_parts_without_metadata(data))


def jpeg_parts_without_metadata(data: bytes) -> list[memoryview]:
    """The JPEG's segments minus metadata, as views into ``data`` (nothing copied).

    Kept: APP0 (JFIF), APP2 (ICC), APP14 (Adobe colour transform) and every coding segment.
    The entropy-coded data after the first SOS is kept as is.
    """
    if data[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG")
    view = memoryview(data)
    kept = [view[:2]]
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            raise ValueError("broken JPEG marker")
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xDA:  # start of scan: the rest is image data
            kept.append(view[pos:])
            return kept
        end = pos + 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
        if marker not in {0xE1, 0xED, 0xFE}:
            kept.append(view[pos:end])
        pos = end
    raise ValueError("JPEG without image data")


class _PdfWriter:
    """Objects are numbered as written; Pages (2) and Catalog (1) are written last."""

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self._position = 0
        self._offsets: dict[int, int] = {}
        self._next_id = 3
        self._page_ids: list[int] = []
        self._icc_ids: dict[bytes, int] = {}
        self._font_id = 0
        self.photo_pages = 0
        self.passed_through = 0
        self.reencoded = 0
        self._write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")

    def _write(self, data: bytes | memoryview) -> None:
        self._out.write(data)
        self._position += len(data)

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id - 1

    def _object(self, object_id: int, *body: bytes | memoryview) -> None:
        # Written piece by piece: a photo's few MB are never copied into a bigger buffer.
        self._offsets[object_id] = self._position
        self._write(b"%d 0 obj\n" % object_id)
        for part in body:
            self._write(part)
        self._write(b"\nendobj\n")

    def _stream(self, object_id: int, dictionary: bytes, *data: bytes | memoryview) -> None:
        length = sum(len(part) for part in data)
        self._object(object_id, b"<<" + dictionary + b" /Length %d>>\nstream\n" % length, *data, b"\nendstream")

    def _page(self, content: bytes, resources: bytes) -> None:
        content_id, page_id = self._new_id(), self._new_id()
        self._stream(content_id, b"", content)
        self._object(
            page_id,
            b"<</Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources <<%s>> /Contents %d 0 R>>"
            % (PAGE_WIDTH, PAGE_HEIGHT, resources, content_id),
        )
        self._page_ids.append(page_id)

    def add_cover(self, title: str, description: str) -> None:
        self._font_id = self._new_id()
        self._object(self._font_id, b"<</Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding>>")
        width = PAGE_WIDTH - 4 * MARGIN
        lines = [(line, TITLE_SIZE) for line in wrap(title, TITLE_SIZE, width)]
        described = wrap(description, TEXT_SIZE, width) if description.strip() else []
        # The description fills the page below the title at most; a longer one ends in "...".
        room = int((PAGE_HEIGHT * 0.55 - 4 * MARGIN) // (TEXT_SIZE * LINE_GAP))
        if len(described) > room:
            described = [*described[: room - 1], described[room - 1] + " ..."]
        lines += [("", TEXT_SIZE), *((line, TEXT_SIZE) for line in described)] if described else []
        y = PAGE_HEIGHT * 0.62
        ops = [b"BT"]
        for line, size in lines:
            x = (PAGE_WIDTH - text_width(line, size)) / 2
            ops.append(
                b"/F1 %d Tf 1 0 0 1 %s %s Tm %s Tj" % (size, _fmt(x).encode(), _fmt(y).encode(), _pdf_string(line))
            )
            y -= size * LINE_GAP
        ops.append(b"ET")
        self._page(b"\n".join(ops), b"/Font <</F1 %d 0 R>>" % self._font_id)

    def add_photo(self, opener: SourceOpener, index: int) -> None:
        data = read_source(opener, index)
        image = open_image(data, index)
        orientation = orientation_of(image)
        displayed = oriented_size(image, orientation)
        place = place_photo(displayed)
        passed = self._pass_through_jpeg(data, image, place)
        if passed is not None:
            parts, size, colour_space = passed
            self.passed_through += 1
        else:
            reencoded, size, colour_space = self._reencode(image, index, place)
            parts = [memoryview(reencoded)]
            orientation = 1  # the new JPEG is already upright
            self.reencoded += 1
        image_id = self._new_id()
        self._stream(
            image_id,
            b"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace %s /BitsPerComponent 8"
            b" /Filter /DCTDecode" % (size[0], size[1], colour_space),
            *parts,
        )
        matrix = b" ".join(_fmt(v).encode() for v in orientation_matrix(orientation, place))
        self._page(b"q %s cm /Im0 Do Q" % matrix, b"/XObject <</Im0 %d 0 R>>" % image_id)
        self.photo_pages += 1

    def _pass_through_jpeg(
        self, data: bytes, image: Image.Image, place: Placement
    ) -> tuple[list[memoryview], tuple[int, int], bytes] | None:
        if image.format != "JPEG" or image.mode not in {"RGB", "L"}:
            return None
        longest_inches = max(place.width, place.height) / POINTS_PER_INCH
        if max(image.size) > longest_inches * PASS_THROUGH_MAX_DPI:
            return None
        try:
            stripped = jpeg_parts_without_metadata(data)
        except ValueError:
            return None
        components = 3 if image.mode == "RGB" else 1
        icc = image.info.get("icc_profile")
        # ICC header bytes 16-19 name the profile's colour space; a mismatched one is ignored
        if icc and len(icc) >= 20 and icc[16:20] == (b"RGB " if components == 3 else b"GRAY"):
            colour_space = b"[/ICCBased %d 0 R]" % self._icc_object(icc, components)
        else:
            colour_space = b"/DeviceRGB" if components == 3 else b"/DeviceGray"
        return stripped, image.size, colour_space

    def _icc_object(self, icc: bytes, components: int) -> int:
        # One object per distinct profile: 500 photos from one phone share one.
        key = hashlib.sha256(icc).digest() + bytes([components])
        if key not in self._icc_ids:
            self._icc_ids[key] = self._new_id()
            self._stream(self._icc_ids[key], b"/N %d" % components, icc)
        return self._icc_ids[key]

    def _reencode(self, image: Image.Image, index: int, place: Placement) -> tuple[bytes, tuple[int, int], bytes]:
        # 300 dpi of the drawn size, never enlarged
        displayed = oriented_size(image, orientation_of(image))
        target = (
            min(displayed[0], max(1, round(place.width / POINTS_PER_INCH * PRINT_DPI))),
            min(displayed[1], max(1, round(place.height / POINTS_PER_INCH * PRINT_DPI))),
        )
        upright = decode_cover(image, index, target)
        buffer = io.BytesIO()
        upright.save(buffer, "JPEG", quality=REENCODE_QUALITY)  # sRGB, no metadata
        return buffer.getvalue(), upright.size, b"/DeviceRGB"

    def finish(self) -> AlbumPdfStats:
        kids = b" ".join(b"%d 0 R" % page_id for page_id in self._page_ids)
        self._object(2, b"<</Type /Pages /Kids [%s] /Count %d>>" % (kids, len(self._page_ids)))
        self._object(1, b"<</Type /Catalog /Pages 2 0 R>>")
        xref_at = self._position
        count = self._next_id
        rows = [b"xref\n0 %d\n" % count, b"0000000000 65535 f \n"]
        rows += [b"%010d 00000 n \n" % self._offsets[i] for i in range(1, count)]
        self._write(b"".join(rows))
        self._write(b"trailer\n<</Size %d /Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (count, xref_at))
        return AlbumPdfStats(len(self._page_ids), self._position, self.passed_through, self.reencoded)

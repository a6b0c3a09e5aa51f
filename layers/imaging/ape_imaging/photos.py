"""Check an uploaded photo by decoding it, and make its thumbnail (SPEC section 7).

``check_photo(source, content_type)`` returns the accepted photo's facts and a metadata-free JPEG
thumbnail, or raises ``PhotoRefused`` with a reason code for the logs. The file is decoded once:
the decode that makes the thumbnail is also the one that proves the data whole. A JPEG is decoded
at reduced size (libjpeg's DCT scaling through ``draft``), so a 12-megapixel photo never exists
whole in memory. The pixel count is checked from the header before anything is decoded.

Decisions (docs/IMAGING.md): the thumbnail carries no metadata at all, not even an ICC profile;
a photo with an embedded profile (Display P3 from phones, CMYK print profiles) is converted to
sRGB instead, which is what a browser assumes for an untagged JPEG.
"""

from __future__ import annotations

import functools
import io
import os
import re
import struct
import time
import warnings
from dataclasses import dataclass
from enum import StrEnum
from typing import IO, Final, cast

import pillow_heif
from PIL import Image, ImageCms, ImageFile, UnidentifiedImageError

from ape_imaging.orientation import QUARTER_TURNED, UPRIGHT, orientation_of

MAX_PIXELS: Final = 50_000_000
THUMBNAIL_LONGEST_SIDE: Final = 400
THUMBNAIL_CONTENT_TYPE: Final = "image/jpeg"
THUMBNAIL_QUALITY: Final = 85

# The work a file may cause, bounded before decoding from its marker or chunk stream (SPEC 7,
# docs/IMAGING.md). A progressive JPEG's every scan is a pass over the whole coefficient buffer
# (about 1 ns a sample on x86), so hundreds of tiny repeated scans make a 200 KB file cost a
# minute. Encoders write 6 (grey) to about 20 scans; the budget is 30 full-frame passes of the
# largest photo we accept, about 2 s of decoding.
MAX_JPEG_SCANS: Final = 100
MAX_JPEG_SCAN_WORK: Final = 30 * MAX_PIXELS  # samples decoded, summed over every scan's components
MAX_JPEG_SEGMENTS: Final = 1_000  # encoders write about 30 (APPn, DQT, DHT per scan, SOF, SOS)
# libpng and Pillow write 8 KB to 64 KB IDAT chunks; 20,000 chunks still carry 25 MB in 1.3 KB
# pieces. Millions of empty chunks would cost Pillow's Python chunk loop seconds.
MAX_PNG_CHUNKS: Final = 20_000
# What one decode may take, checked as Pillow reads the file in 64 KB blocks: a backstop for
# costs the header bounds do not foresee. The upload function answers well within its timeout.
MAX_DECODE_SECONDS: Final = 10.0

# Pillow's own guard, set to our limit: it warns above it and raises above twice it, in
# Image.open, before any pixel memory exists. Both become a `too_many_pixels` refusal.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
# HEIC through libheif. Embedded thumbnails, depth and auxiliary images are never loaded: the
# primary image is decoded in full so its data is proven whole, and nothing else costs memory.
pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)

# Declared content type -> the Pillow formats that content may be. Phones write JPEGs with a
# multi-picture index (MPO in Pillow's terms) that are plain JPEGs to everyone else.
FORMATS_BY_CONTENT_TYPE: Final[dict[str, frozenset[str]]] = {
    "image/jpeg": frozenset({"JPEG", "MPO"}),
    "image/png": frozenset({"PNG"}),
    "image/webp": frozenset({"WEBP"}),
    "image/heic": frozenset({"HEIF"}),
}
# Only these parsers ever see an upload: Pillow's other plugins stay out of reach of hostile files.
# (JPEG's opener also yields MPO images.)
_OPENABLE_FORMATS: Final = ("JPEG", "PNG", "WEBP", "HEIF")

_SRGB: Final = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
_WHITE: Final = (255, 255, 255, 255)

type PhotoSource = str | os.PathLike[str] | IO[bytes]


class RefusalReason(StrEnum):
    """Why an upload is not a photo; the code goes to the logs with the message."""

    UNSUPPORTED_TYPE = "unsupported_type"  # the declared content type is not one SPEC allows
    EMPTY = "empty"  # zero bytes
    NOT_AN_IMAGE = "not_an_image"  # no JPEG, PNG, WEBP or HEIC header
    WRONG_TYPE = "wrong_type"  # an image, but not of its declared type
    TOO_MANY_PIXELS = "too_many_pixels"  # over MAX_PIXELS, from the header
    TRUNCATED = "truncated"  # the data ends before the image does
    CORRUPT = "corrupt"  # the header is fine, the data does not decode
    TOO_COSTLY = "too_costly"  # would cost far more than its size and pixels justify (scan bombs)


class PhotoRefused(Exception):  # noqa: N818 - an outcome of checking, not a crash
    """An upload that is not an acceptable photo. ``reason`` is the code, ``message`` the detail."""

    def __init__(self, reason: RefusalReason, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message


@dataclass(frozen=True, slots=True)
class CheckedPhoto:
    """An accepted photo: its facts, upright, and its thumbnail."""

    content_type: str  # the declared type, normalised, which the data was found to be
    format: str  # Pillow's name for what was decoded: JPEG, MPO, PNG, WEBP, HEIF
    width: int  # of the original, after EXIF orientation
    height: int
    thumbnail: bytes  # JPEG, RGB, longest side THUMBNAIL_LONGEST_SIDE (never upscaled), no metadata
    thumbnail_width: int
    thumbnail_height: int
    thumbnail_content_type: str = THUMBNAIL_CONTENT_TYPE


def check_photo(source: PhotoSource, content_type: str) -> CheckedPhoto:
    """Decode ``source`` (a path or a binary file) as ``content_type``; its facts and thumbnail.

    Raises ``PhotoRefused`` for anything that is not a whole image of the declared type within
    MAX_PIXELS. A non-seekable stream is read into memory by Pillow first; pass a path or a file.
    """
    declared = content_type.strip().lower()
    allowed_formats = FORMATS_BY_CONTENT_TYPE.get(declared)
    if allowed_formats is None:
        raise PhotoRefused(RefusalReason.UNSUPPORTED_TYPE, f"content type {content_type!r} is not accepted")
    if _is_empty(source):
        raise PhotoRefused(RefusalReason.EMPTY, "the file has no bytes")
    _check_structure(source)

    deadline = time.monotonic() + MAX_DECODE_SECONDS
    with _DeadlineReader(source, deadline) as readable, _open(readable) as image:
        if image.format not in allowed_formats:
            raise PhotoRefused(RefusalReason.WRONG_TYPE, f"declared {declared}, the data is {image.format}")
        stored_width, stored_height = image.size
        _check_pixel_count(stored_width, stored_height)
        thumbnail_size = _fit(stored_width, stored_height, THUMBNAIL_LONGEST_SIDE)
        if image.format in {"JPEG", "MPO"}:
            # The smallest DCT scale (1/2, 1/4, 1/8) that still covers the thumbnail.
            image.draft(None, thumbnail_size)
        _decode(image)
        # Only after the decode: reading a PNG's EXIF loads the image, and would hide its errors.
        orientation = orientation_of(image)
        icc_profile = image.info.get("icc_profile")
        thumbnail = _thumbnail(image, thumbnail_size, orientation, icc_profile)

    width, height = (stored_height, stored_width) if orientation in QUARTER_TURNED else (stored_width, stored_height)
    buffer = io.BytesIO()
    thumbnail.save(buffer, "JPEG", quality=THUMBNAIL_QUALITY)
    return CheckedPhoto(
        content_type=declared,
        format=str(image.format),
        width=width,
        height=height,
        thumbnail=buffer.getvalue(),
        thumbnail_width=thumbnail.width,
        thumbnail_height=thumbnail.height,
    )


def _is_empty(source: PhotoSource) -> bool:
    if isinstance(source, str | os.PathLike):
        return os.stat(source).st_size == 0
    if not source.seekable():
        return False  # Pillow reads it whole; an empty one is then not an image
    position = source.tell()
    end = source.seek(0, os.SEEK_END)
    source.seek(position)
    return end == position


def _open(readable: io.RawIOBase) -> ImageFile.ImageFile:
    """Read the header only; refuse what is no image of ours or declares too many pixels."""
    try:
        with warnings.catch_warnings():
            # Between MAX_PIXELS and twice that, Pillow only warns: make it a refusal too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(cast(IO[bytes], readable), formats=_OPENABLE_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise PhotoRefused(RefusalReason.TOO_MANY_PIXELS, str(error)) from error
    except _OverBudget as error:
        raise PhotoRefused(RefusalReason.TOO_COSTLY, str(error)) from error
    except UnidentifiedImageError as error:
        raise PhotoRefused(RefusalReason.NOT_AN_IMAGE, "no JPEG, PNG, WEBP or HEIC header") from error
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        # A recognised signature whose header then does not parse.
        raise PhotoRefused(RefusalReason.CORRUPT, f"unreadable header: {error}") from error
    assert isinstance(image, ImageFile.ImageFile)
    return image


class _OverBudget(Exception):  # noqa: N818 - raised through Pillow's decode loop, turned into a refusal
    pass


class _DeadlineReader(io.RawIOBase):
    """The upload as Pillow reads it, refusing to hand out more bytes once the deadline passed.

    Pillow's decode loop reads the file in blocks and decodes each: a check between blocks
    bounds what no header check foresaw (one block's decode is itself bounded by the checks).
    """

    def __init__(self, source: PhotoSource, deadline: float) -> None:
        super().__init__()
        self._owned = isinstance(source, str | os.PathLike)
        self._file: IO[bytes] = open(source, "rb") if isinstance(source, str | os.PathLike) else source  # noqa: SIM115
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self._file.seekable()

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self._file.seek(offset, whence)

    def tell(self) -> int:
        return self._file.tell()

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if time.monotonic() > self._deadline:
            raise _OverBudget(f"decoding took over {MAX_DECODE_SECONDS:g} s")
        data = self._file.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def read(self, size: int = -1) -> bytes:
        if time.monotonic() > self._deadline:
            raise _OverBudget(f"decoding took over {MAX_DECODE_SECONDS:g} s")
        return self._file.read(size)

    def close(self) -> None:
        if self._owned and not self._file.closed:
            self._file.close()
        super().close()


def _check_structure(source: PhotoSource) -> None:
    """Refuse, from the marker or chunk stream alone, a file whose decode would cost too much."""
    data = _bytes_of(source)
    if data.startswith(b"\xff\xd8"):
        _check_jpeg_structure(data)
    elif data.startswith(b"\x89PNG\r\n\x1a\n"):
        _check_png_structure(data)


def _bytes_of(source: PhotoSource) -> bytes:
    """The whole file (at most the 25 MB upload limit); a stream is left where it was."""
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as file:
            return file.read()
    if not source.seekable():
        return b""  # nothing to walk without consuming it; the deadline still holds
    position = source.tell()
    data = source.read()
    source.seek(position)
    return data


# A marker inside entropy-coded data: 0xFF (any fill 0xFFs) then neither a stuffed 0x00 nor RSTn.
_NEXT_MARKER: Final = re.compile(rb"\xff+(?=[^\x00\xd0-\xd7\xff])")
_SOF_MARKERS: Final = frozenset({*range(0xC0, 0xC4), *range(0xC5, 0xC8), *range(0xC9, 0xCC), *range(0xCD, 0xD0)})
_STANDALONE_MARKERS: Final = frozenset({0x01, *range(0xD0, 0xD8)})


def _check_jpeg_structure(data: bytes) -> None:
    """Count the segments and scans of the first image (an MPO's others are never decoded), and
    the samples each scan makes the decoder pass over; refuse beyond the limits."""
    position, segments, scans, work = 2, 0, 0, 0
    component_samples: dict[int, int] = {}
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            return  # not a marker where one must be: Pillow will say what is wrong
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte before a marker
            position += 1
            continue
        if marker == 0xD9:  # end of the first image
            return
        if marker in _STANDALONE_MARKERS:
            position += 2
            continue
        segments += 1
        if segments > MAX_JPEG_SEGMENTS:
            raise PhotoRefused(RefusalReason.TOO_COSTLY, f"over {MAX_JPEG_SEGMENTS} JPEG segments")
        (length,) = struct.unpack_from(">H", data, position + 2)
        body = data[position + 4 : position + 2 + length]
        position += 2 + length
        if marker in _SOF_MARKERS:
            component_samples = _samples_per_component(body)
        elif marker == 0xDA:
            scans += 1
            if scans > MAX_JPEG_SCANS:
                raise PhotoRefused(RefusalReason.TOO_COSTLY, f"over {MAX_JPEG_SCANS} JPEG scans")
            work += sum(component_samples.get(component, 0) for component in body[1 : 1 + 2 * body[:1][0] : 2])
            if work > MAX_JPEG_SCAN_WORK:
                raise PhotoRefused(
                    RefusalReason.TOO_COSTLY,
                    f"{scans} scans make over {MAX_JPEG_SCAN_WORK} samples of decoding work",
                )
            found = _NEXT_MARKER.search(data, position)
            if found is None:
                return
            position = found.end() - 1


def _samples_per_component(frame: bytes) -> dict[int, int]:
    """Component id -> samples it holds, from a frame header (SOFn) and its sampling factors."""
    if len(frame) < 6:
        return {}
    height, width, count = struct.unpack_from(">HHB", frame, 1)
    specs = [frame[6 + 3 * i : 9 + 3 * i] for i in range(count) if len(frame) >= 9 + 3 * i]
    if not specs:
        return {}
    h_max = max(spec[1] >> 4 for spec in specs) or 1
    v_max = max(spec[1] & 0x0F for spec in specs) or 1
    return {spec[0]: (width * (spec[1] >> 4) // h_max) * (height * (spec[1] & 0x0F) // v_max) for spec in specs}


def _check_png_structure(data: bytes) -> None:
    """Count the chunks up to IEND; refuse a file of more than MAX_PNG_CHUNKS."""
    position, chunks = 8, 0
    while position + 8 <= len(data):
        chunks += 1
        if chunks > MAX_PNG_CHUNKS:
            raise PhotoRefused(RefusalReason.TOO_COSTLY, f"over {MAX_PNG_CHUNKS} PNG chunks")
        length, kind = struct.unpack_from(">I4s", data, position)
        if kind == b"IEND":
            return
        position += 12 + length


def _check_pixel_count(width: int, height: int) -> None:
    if width < 1 or height < 1:
        raise PhotoRefused(RefusalReason.CORRUPT, f"declares {width}x{height} pixels")
    if width * height > MAX_PIXELS:
        raise PhotoRefused(
            RefusalReason.TOO_MANY_PIXELS, f"{width}x{height} is {width * height} pixels, over {MAX_PIXELS}"
        )


def _decode(image: ImageFile.ImageFile) -> None:
    """The one decode. ImageFile.LOAD_TRUNCATED_IMAGES stays False: short data is an error."""
    try:
        image.load()
    except _OverBudget as error:
        raise PhotoRefused(RefusalReason.TOO_COSTLY, str(error)) from error
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise PhotoRefused(RefusalReason.TOO_MANY_PIXELS, str(error)) from error
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        text = str(error)
        if isinstance(error, EOFError) or "truncated" in text.lower():
            raise PhotoRefused(RefusalReason.TRUNCATED, text or "the data ends early") from error
        raise PhotoRefused(RefusalReason.CORRUPT, text or type(error).__name__) from error


def _fit(width: int, height: int, longest_side: int) -> tuple[int, int]:
    """The size that fits in a square of ``longest_side``, keeping the ratio; never larger."""
    longest = max(width, height)
    if longest <= longest_side:
        return width, height
    scale = longest_side / longest
    return max(1, round(width * scale)), max(1, round(height * scale))


def _thumbnail(
    image: Image.Image, stored_size: tuple[int, int], orientation: int, icc_profile: bytes | None
) -> Image.Image:
    """Upright, at most THUMBNAIL_LONGEST_SIDE, flattened on white, sRGB, mode RGB."""
    working = _resizable(image)
    if working.size != stored_size:
        # RGBA and LA are resized premultiplied by Pillow, so edges do not darken.
        working = working.resize(stored_size, Image.Resampling.LANCZOS)
    if working.mode in {"I", "I;16"}:
        # 16-bit grey scaled to 8 bits at thumbnail size, not before: a 50-megapixel one would
        # need two more full-size copies. (convert("L") alone would clip at 255.)
        working = working.point(lambda value: value / 256, "L").convert("L")
    if orientation in UPRIGHT:
        working = working.transpose(UPRIGHT[orientation])
    if working.mode in {"RGBA", "LA"}:
        background = Image.new("RGBA", working.size, _WHITE)
        working = Image.alpha_composite(background, working.convert("RGBA"))
    return _to_srgb(working, icc_profile)


def _resizable(image: Image.Image) -> Image.Image:
    """A mode Pillow resizes directly: L, LA, RGB, RGBA, CMYK, or 16/32-bit grey (I;16, I)."""
    mode = image.mode
    if mode in {"L", "LA", "RGB", "RGBA", "CMYK", "I", "I;16"}:
        return image
    if mode.startswith("I;16"):  # other byte orders: Pillow resizes them wrongly
        return image.convert("I")
    if mode == "1":
        return image.convert("L")
    if mode == "La":
        return image.convert("LA")
    if mode in {"RGBa", "PA"} or (mode == "P" and "transparency" in image.info):
        return image.convert("RGBA")
    return image.convert("RGB")


def _to_srgb(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """RGB in sRGB: through the embedded profile when there is a usable one, else plainly."""
    if icc_profile:
        source = image.convert("RGB") if image.mode == "RGBA" else image
        try:
            converted = ImageCms.applyTransform(source, _transform_to_srgb(icc_profile, source.mode))
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            converted = None  # a profile that does not fit the pixels: colours as stored
        if converted is not None:
            converted.info.clear()
            return converted
    plain = image.convert("RGB")
    plain.info.clear()
    return plain


@functools.lru_cache(maxsize=8)
def _transform_to_srgb(icc_profile: bytes, mode: str) -> ImageCms.ImageCmsTransform:
    """Built once per profile and mode (about 6 ms): a phone's photos all share one profile."""
    return ImageCms.buildTransform(ImageCms.ImageCmsProfile(io.BytesIO(icc_profile)), _SRGB, mode, "RGB")

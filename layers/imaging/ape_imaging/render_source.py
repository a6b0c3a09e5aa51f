"""What the collage and album renderers share: their errors, and reading one source photo.

A source is a callable that opens one photo as a binary stream (an S3 body, a file); the
renderers call it when they reach that photo and close the stream before opening the next, so
one source at a time is in memory. Nothing here calls AWS.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from contextlib import closing
from functools import cache
from typing import BinaryIO

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

SourceOpener = Callable[[], BinaryIO]

EXIF_ORIENTATION = 0x0112
# Orientations 5 to 8 store the picture turned a quarter: its width is drawn as height.
QUARTER_TURNED = frozenset({5, 6, 7, 8})
# Each accepted photo is at most this many pixels: well above any phone's 48 MP, below what
# would let a crafted file exhaust the renderer's memory (Pillow's own bomb check is 89 MP).
MAX_SOURCE_PIXELS = 100_000_000


class RenderError(Exception):
    """Rendering could not make the output. ``str(error)`` is safe to show the owner."""


class InvalidRenderSpec(RenderError, ValueError):  # noqa: N818  (the domain's name for it)
    """The template, gutter, background or album details are not acceptable."""


class UnreadableSource(RenderError):  # noqa: N818
    """A source photo is missing, not an image, or corrupt; ``index`` is its 0-based position."""

    def __init__(self, index: int, reason: str) -> None:
        super().__init__(f"photo {index + 1} could not be read: {reason}")
        self.index = index
        self.reason = reason


@cache
def srgb_profile() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


@cache
def srgb_icc_bytes() -> bytes:
    return srgb_profile().tobytes()


@cache
def _register_heif() -> None:
    # Loaded on first use: pillow-heif costs import time that JPEG-only renders never need.
    from pillow_heif import register_heif_opener

    register_heif_opener()


def read_source(opener: SourceOpener, index: int) -> bytes:
    """The whole encoded photo (a few MB): decoding from memory lets the stream close at once."""
    try:
        with closing(opener()) as stream:
            return stream.read()
    except RenderError:
        raise
    except Exception as error:  # the opener's own failure (a deleted object, a closed file)
        raise UnreadableSource(index, "it could not be opened") from error


def open_image(data: bytes, index: int) -> Image.Image:
    """The photo's header parsed, pixels not yet decoded."""
    _register_heif()
    try:
        image = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError, ValueError) as error:
        raise UnreadableSource(index, "it is not a supported image") from error
    if image.width * image.height > MAX_SOURCE_PIXELS:
        raise UnreadableSource(index, "it is too large")
    return image


def orientation_of(image: Image.Image) -> int:
    try:
        value = image.getexif().get(EXIF_ORIENTATION, 1)
    except Exception:  # a damaged EXIF block: draw the photo as stored
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def oriented_size(image: Image.Image, orientation: int) -> tuple[int, int]:
    """The photo's size as it is displayed, after its EXIF orientation."""
    return (image.height, image.width) if orientation in QUARTER_TURNED else (image.width, image.height)


def decode_at_least(image: Image.Image, index: int, displayed_size: tuple[int, int]) -> Image.Image:
    """Decode, upright and sRGB, at no less than ``displayed_size`` (JPEG ``draft`` skips the rest).

    ``displayed_size`` is in displayed (oriented) pixels; draft works in stored pixels, so the
    two are swapped for a quarter-turned photo. Draft only ever picks a scale that keeps the
    image at least as large as requested, so the later resize still has the pixels it needs.
    """
    orientation = orientation_of(image)
    want_w, want_h = displayed_size
    if orientation in QUARTER_TURNED:
        want_w, want_h = want_h, want_w
    try:
        if image.format == "JPEG":
            image.draft("RGB", (max(1, want_w), max(1, want_h)))
        image.load()
        upright = ImageOps.exif_transpose(image)
        return to_srgb(upright)
    except RenderError:
        raise
    except Exception as error:  # truncated or corrupt pixel data
        raise UnreadableSource(index, "its image data is damaged") from error


def to_srgb(image: Image.Image) -> Image.Image:
    """RGB pixels in sRGB: an embedded non-sRGB profile (Display P3, Adobe RGB) is converted."""
    icc = image.info.get("icc_profile")
    if icc and image.mode in {"RGB", "CMYK", "L"}:
        try:
            source_profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            description = ImageCms.getProfileDescription(source_profile).strip()
        except (OSError, ImageCms.PyCMSError):
            description = ""
            source_profile = None
        if source_profile is not None and not description.lower().startswith("srgb"):
            converted = ImageCms.profileToProfile(image, source_profile, srgb_profile(), outputMode="RGB")
            if converted is not None:
                return converted
    if image.mode == "RGB":
        return image
    if image.mode in {"RGBA", "LA", "PA"} or (image.mode == "P" and "transparency" in image.info):
        # Transparent areas become white, as on paper.
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")


def cover_box(size: tuple[int, int], target: tuple[int, int]) -> tuple[float, float, float, float]:
    """The centred region of an image of ``size`` with the aspect ratio of ``target``."""
    width, height = size
    target_w, target_h = target
    scale = max(target_w / width, target_h / height)
    crop_w, crop_h = target_w / scale, target_h / scale
    left, top = (width - crop_w) / 2, (height - crop_h) / 2
    return (left, top, left + crop_w, top + crop_h)


def cover_decode_size(size: tuple[int, int], target: tuple[int, int]) -> tuple[int, int]:
    """The whole image's size once scaled so that it covers ``target``."""
    width, height = size
    scale = max(target[0] / width, target[1] / height)
    return (math.ceil(width * scale), math.ceil(height * scale))

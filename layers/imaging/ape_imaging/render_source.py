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

from PIL import Image, ImageCms, UnidentifiedImageError

from ape_imaging.orientation import QUARTER_TURNED, UPRIGHT, orientation_of

SourceOpener = Callable[[], BinaryIO]

# SPEC 7's limit for a photo, checked again here from the header before any decoding.
MAX_SOURCE_PIXELS = 50_000_000
# Resized in their own mode (alpha premultiplied by Pillow) and flattened once small.
_RESAMPLED_AS_IS = frozenset({"RGB", "L", "CMYK", "RGBA", "LA"})


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
def _register_heif() -> bool:
    # Loaded only when a photo is not in a format Pillow knows: JPEG-only renders never pay
    # pillow-heif's import.
    from pillow_heif import register_heif_opener

    register_heif_opener()
    return True


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
    """The photo's header parsed, pixels not yet decoded. HEIC/HEIF through pillow-heif."""
    try:
        try:
            image = Image.open(io.BytesIO(data))
        except UnidentifiedImageError:
            _register_heif()
            image = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError, ValueError) as error:
        raise UnreadableSource(index, "it is not a supported image") from error
    if image.width * image.height > MAX_SOURCE_PIXELS:
        raise UnreadableSource(index, "it is too large")
    return image


def decode_cover(image: Image.Image, index: int, size: tuple[int, int]) -> Image.Image:
    """The photo upright, in sRGB, scaled to cover ``size`` (displayed pixels) and centre-cropped.

    JPEG ``draft`` decodes at 1/2, 1/4 or 1/8 when that still covers ``size``. The resize works
    in the stored orientation and only the small result is turned upright: a centred crop is the
    same whichever way the photo is turned, once ``size`` is swapped for a quarter turn.
    """
    orientation = orientation_of(image)
    stored_size = (size[1], size[0]) if orientation in QUARTER_TURNED else size
    try:
        if image.format == "JPEG":
            image.draft("RGB", cover_decode_size(image.size, stored_size))
        image.load()
        if image.mode not in _RESAMPLED_AS_IS:
            # palette, 16-bit and 1-bit pixels expanded before resampling
            image = image.convert("RGBA" if image.has_transparency_data else "RGB")
        # the box comes from the decoded size: draft may have decoded at 1/2, 1/4 or 1/8
        scaled = image.resize(stored_size, Image.Resampling.LANCZOS, box=cover_box(image.size, stored_size))
        if orientation != 1:
            scaled = scaled.transpose(UPRIGHT[orientation])
        return to_srgb(scaled)
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
    if image.has_transparency_data:
        # Transparent areas become white, as on paper.
        rgba = image if image.mode == "RGBA" else image.convert("RGBA")
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

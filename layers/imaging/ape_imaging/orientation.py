"""EXIF orientation (EXIF 2.32, tag 0x0112), once for the upload check and both renderers: which
orientation a photo declares, its size as displayed, and the transposition that shows it upright
(as Pillow's ``ImageOps.exif_transpose``, which the tests use as the reference)."""

from __future__ import annotations

from typing import Final

from PIL import Image

EXIF_ORIENTATION: Final = 0x0112
UPRIGHT: Final = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
# Orientations 5 to 8 store the picture turned a quarter: its width is drawn as height.
QUARTER_TURNED: Final = frozenset({5, 6, 7, 8})


def orientation_of(image: Image.Image) -> int:
    """The EXIF orientation, 1 when absent or unreadable (a damaged EXIF block is not a broken
    photo: it is drawn as stored). pillow-heif has already applied a HEIC's rotation and reports 1."""
    try:
        value = image.getexif().get(EXIF_ORIENTATION, 1)
    except Exception:
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def oriented_size(image: Image.Image, orientation: int) -> tuple[int, int]:
    """The photo's size as it is displayed, after its EXIF orientation."""
    return (image.height, image.width) if orientation in QUARTER_TURNED else (image.width, image.height)

"""Collage print files (SPEC 8): equal cells in a gutter frame, each photo covering its cell.

``render_collage`` draws the template's sources, one decoded at a time at the size it is drawn,
onto a canvas of the template's size and writes a 300 dpi sRGB JPEG to a binary file object.
The layout arithmetic (``layout``) is pure and documented in docs/RENDERING.md.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import BinaryIO

from PIL import Image

from ape_imaging.render_source import (
    InvalidRenderSpec,
    SourceOpener,
    decode_cover,
    open_image,
    read_source,
    srgb_icc_bytes,
)

DEFAULT_GUTTER = 20
MAX_GUTTER = 100
DEFAULT_BACKGROUND = "#FFFFFF"
PRINT_DPI = 300
JPEG_QUALITY = 92
_BACKGROUND = re.compile(r"#[0-9A-Fa-f]{6}")


class Template(StrEnum):
    GRID_2X2 = "GRID_2X2"
    GRID_3X3 = "GRID_3X3"
    STRIP_1X4 = "STRIP_1X4"
    SINGLE = "SINGLE"


@dataclass(frozen=True, slots=True)
class TemplateShape:
    width: int
    height: int
    columns: int
    rows: int

    @property
    def cells(self) -> int:
        return self.columns * self.rows


SHAPES: dict[Template, TemplateShape] = {
    Template.GRID_2X2: TemplateShape(2400, 2400, 2, 2),
    Template.GRID_3X3: TemplateShape(2400, 2400, 3, 3),
    Template.STRIP_1X4: TemplateShape(600, 1800, 1, 4),
    Template.SINGLE: TemplateShape(1800, 1200, 1, 1),
}


@dataclass(frozen=True, slots=True)
class Cell:
    left: int
    top: int
    width: int
    height: int


def _axis(length: int, count: int, gutter: int) -> tuple[int, list[int]]:
    """Cell length and cell starts along one axis.

    Cells are equal: ``(length - (count + 1) * gutter) // count``. The few pixels that do not
    divide evenly (fewer than ``count``) widen the outer frame, half before the first cell
    (rounded down) and the rest after the last, so inner gutters are exactly ``gutter``.
    """
    cell = (length - (count + 1) * gutter) // count
    leftover = length - (count + 1) * gutter - cell * count
    first = gutter + leftover // 2
    return cell, [first + i * (cell + gutter) for i in range(count)]


def layout(template: Template, gutter: int) -> list[Cell]:
    """The cells of ``template`` in source order: row by row, left to right."""
    shape = SHAPES[template]
    cell_w, lefts = _axis(shape.width, shape.columns, gutter)
    cell_h, tops = _axis(shape.height, shape.rows, gutter)
    return [Cell(left, top, cell_w, cell_h) for top in tops for left in lefts]


def parse_template(value: str) -> Template:
    try:
        return Template(value)
    except ValueError:
        raise InvalidRenderSpec(f"template must be one of {', '.join(Template)}") from None


def parse_gutter(value: object) -> int:
    if value is None:
        return DEFAULT_GUTTER
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_GUTTER:
        raise InvalidRenderSpec(f"gutter must be an integer from 0 to {MAX_GUTTER}")
    return value


def parse_background(value: object) -> tuple[int, int, int]:
    if value is None:
        value = DEFAULT_BACKGROUND
    if not isinstance(value, str) or not _BACKGROUND.fullmatch(value):
        raise InvalidRenderSpec("background must be a colour written #RRGGBB")
    return (int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16))


def render_collage(
    template: str,
    sources: Sequence[SourceOpener],
    out: BinaryIO,
    *,
    gutter: int | None = None,
    background: str | None = None,
) -> None:
    """Write the collage as a JPEG to ``out``.

    Raises ``InvalidRenderSpec`` for a bad template, gutter, background or number of sources
    (checked before any source is opened) and ``UnreadableSource`` for a photo that cannot be
    read; nothing is written to ``out`` unless every photo was drawn.
    """
    shape_of = parse_template(template)
    gutter_px = parse_gutter(gutter)
    colour = parse_background(background)
    cells = layout(shape_of, gutter_px)
    if len(sources) != len(cells):
        raise InvalidRenderSpec(f"{shape_of} needs exactly {len(cells)} photos, got {len(sources)}")
    shape = SHAPES[shape_of]
    canvas = Image.new("RGB", (shape.width, shape.height), colour)
    for index, (opener, cell) in enumerate(zip(sources, cells, strict=True)):
        canvas.paste(_cell_image(opener, index, cell), (cell.left, cell.top))
    # Metadata-free: no EXIF, XMP or comment is passed to save. The JFIF density says 300 dpi
    # and the sRGB profile says how to read the pixels (docs/RENDERING.md).
    canvas.save(
        out,
        "JPEG",
        quality=JPEG_QUALITY,
        dpi=(PRINT_DPI, PRINT_DPI),
        icc_profile=srgb_icc_bytes(),
        subsampling="4:4:4",
    )


def _cell_image(opener: SourceOpener, index: int, cell: Cell) -> Image.Image:
    """One photo, upright, scaled to cover the cell and centre-cropped to it."""
    return decode_cover(open_image(read_source(opener, index), index), index, (cell.width, cell.height))

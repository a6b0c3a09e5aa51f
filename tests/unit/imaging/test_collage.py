"""Collages rendered from real generated JPEGs, checked pixel by pixel (SPEC 8)."""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable
from typing import BinaryIO

import pytest
from PIL import Image, ImageCms, ImageOps

from ape_imaging.collage import SHAPES, Template, layout, render_collage
from ape_imaging.render_source import InvalidRenderSpec, UnreadableSource, decode_cover, open_image

RGB = tuple[int, int, int]
RED, GREEN, BLUE, YELLOW = (220, 30, 30), (30, 200, 40), (30, 40, 220), (240, 220, 20)
PALETTE: list[RGB] = [
    RED,
    GREEN,
    BLUE,
    YELLOW,
    (200, 40, 200),
    (30, 200, 200),
    (120, 60, 10),
    (90, 90, 90),
    (250, 140, 20),
]
WHITE: RGB = (255, 255, 255)
# JPEG at quality 92, 4:4:4: a flat area stays within a few levels of its colour.
TOLERANCE = 12
SIZES = {
    Template.GRID_2X2: (2400, 2400),
    Template.GRID_3X3: (2400, 2400),
    Template.STRIP_1X4: (600, 1800),
    Template.SINGLE: (1800, 1200),
}


def jpeg(image: Image.Image, orientation: int | None = None, **extra: object) -> bytes:
    buffer = io.BytesIO()
    exif = image.getexif()
    if orientation is not None:
        exif[0x0112] = orientation
    image.save(buffer, "JPEG", quality=95, exif=exif, **extra)
    return buffer.getvalue()


def solid(colour: RGB, size: tuple[int, int] = (640, 480)) -> bytes:
    return jpeg(Image.new("RGB", size, colour))


def opener(data: bytes) -> Callable[[], BinaryIO]:
    return lambda: io.BytesIO(data)


def render(template: str, sources: list[bytes], **options: object) -> Image.Image:
    out = io.BytesIO()
    render_collage(template, [opener(s) for s in sources], out, **options)  # type: ignore[arg-type]
    image = Image.open(io.BytesIO(out.getvalue()))
    image.load()
    return image


def near(actual: object, expected: RGB, tolerance: int = TOLERANCE) -> bool:
    assert isinstance(actual, tuple)
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True))


def hex_of(colour: RGB) -> str:
    return "#" + "".join(f"{c:02X}" for c in colour)


@pytest.mark.parametrize("template", list(Template))
@pytest.mark.parametrize("gutter", [20, 0, 100])
def test_every_template_draws_each_source_in_its_cell_and_the_gutter_around(template: Template, gutter: int) -> None:
    shape = SHAPES[template]
    background: RGB = (10, 20, 30)
    colours = PALETTE[: shape.cells]
    image = render(template, [solid(c) for c in colours], gutter=gutter, background=hex_of(background))
    assert image.size == SIZES[template]
    cells = layout(template, gutter)
    assert len(cells) == shape.cells
    for cell, colour in zip(cells, colours, strict=True):
        # Source order is row by row: the cell's position in the layout says so.
        centre = (cell.left + cell.width // 2, cell.top + cell.height // 2)
        assert near(image.getpixel(centre), colour), (template, cell, image.getpixel(centre))
        for x, y in (
            (cell.left + 3, cell.top + 3),
            (cell.left + cell.width - 4, cell.top + 3),
            (cell.left + 3, cell.top + cell.height - 4),
            (cell.left + cell.width - 4, cell.top + cell.height - 4),
        ):
            assert near(image.getpixel((x, y)), colour, 30), (template, cell, (x, y))
        if gutter:
            # the gutter framing the cell on each side, in its middle
            for x, y in (
                (cell.left - gutter // 2 - 1, centre[1]),
                (cell.left + cell.width + gutter // 2, centre[1]),
                (centre[0], cell.top - gutter // 2 - 1),
                (centre[0], cell.top + cell.height + gutter // 2),
            ):
                assert near(image.getpixel((x, y)), background), (template, (x, y), image.getpixel((x, y)))
    if gutter:
        for corner in ((0, 0), (image.width - 1, 0), (0, image.height - 1), (image.width - 1, image.height - 1)):
            assert near(image.getpixel(corner), background)


@pytest.mark.parametrize("template", list(Template))
@pytest.mark.parametrize("gutter", [0, 1, 7, 20, 99, 100])
def test_cells_are_equal_gutters_exact_and_the_frame_takes_the_leftover(template: Template, gutter: int) -> None:
    shape = SHAPES[template]
    cells = layout(template, gutter)
    assert {(c.width, c.height) for c in cells} == {(cells[0].width, cells[0].height)}
    lefts = sorted({c.left for c in cells})
    tops = sorted({c.top for c in cells})
    width, height = cells[0].width, cells[0].height
    assert all(b - a == width + gutter for a, b in itertools.pairwise(lefts))
    assert all(b - a == height + gutter for a, b in itertools.pairwise(tops))
    right_frame = shape.width - (lefts[-1] + width)
    bottom_frame = shape.height - (tops[-1] + height)
    assert 0 <= right_frame - lefts[0] < shape.columns
    assert lefts[0] >= gutter
    assert right_frame >= gutter
    assert 0 <= bottom_frame - tops[0] < shape.rows
    assert tops[0] >= gutter
    assert bottom_frame >= gutter
    assert lefts[0] + right_frame + (shape.columns - 1) * gutter + shape.columns * width == shape.width


def test_gutter_zero_leaves_no_background_between_cells() -> None:
    image = render("GRID_2X2", [solid(c) for c in PALETTE[:4]], gutter=0, background="#000000")
    # the meeting lines of the four cells are photo, never background
    assert near(image.getpixel((1199 - 3, 600)), PALETTE[0], 30)
    assert near(image.getpixel((1200 + 3, 600)), PALETTE[1], 30)
    assert near(image.getpixel((600, 1200 + 3)), PALETTE[2], 30)
    assert near(image.getpixel((0, 0)), PALETTE[0], 30)
    assert near(image.getpixel((2399, 2399)), PALETTE[3], 30)


def test_defaults_are_a_white_gutter_of_20_px() -> None:
    image = render("SINGLE", [solid(RED)])
    assert near(image.getpixel((10, 600)), WHITE)
    assert near(image.getpixel((1789, 600)), WHITE)
    assert near(image.getpixel((22, 600)), RED, 30)
    assert near(image.getpixel((1777, 600)), RED, 30)


@pytest.mark.parametrize("background", ["#abcdef", "#ABCDEF", "#000000"])
def test_background_colour_in_either_case(background: str) -> None:
    image = render("SINGLE", [solid(RED)], gutter=50, background=background)
    expected = (int(background[1:3], 16), int(background[3:5], 16), int(background[5:7], 16))
    assert near(image.getpixel((25, 25)), expected)


def quadrants_stored_for_orientation_6() -> bytes:
    """Stored landscape: TL red, TR green, BL blue, BR yellow; orientation 6 shows it turned 90° clockwise."""
    stored = Image.new("RGB", (800, 600))
    for colour, box in (
        (RED, (0, 0, 400, 300)),
        (GREEN, (400, 0, 800, 300)),
        (BLUE, (0, 300, 400, 600)),
        (YELLOW, (400, 300, 800, 600)),
    ):
        stored.paste(colour, box)
    return jpeg(stored, orientation=6)


def test_exif_orientation_6_is_drawn_upright() -> None:
    image = render("GRID_2X2", [quadrants_stored_for_orientation_6(), solid(WHITE), solid(WHITE), solid(WHITE)])
    cell = layout(Template.GRID_2X2, 20)[0]
    quarter_w, quarter_h = cell.width // 4, cell.height // 4
    # Orientation 6: the stored top row is the displayed right column, the stored left column
    # the displayed top row. So displayed: TL blue, TR red, BL yellow, BR green.
    expected = {(1, 1): BLUE, (3, 1): RED, (1, 3): YELLOW, (3, 3): GREEN}
    for (qx, qy), colour in expected.items():
        point = (cell.left + qx * quarter_w, cell.top + qy * quarter_h)
        assert near(image.getpixel(point), colour), (point, image.getpixel(point))


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_orientation_matches_the_exif_transposed_photo(orientation: int) -> None:
    stored = Image.new("RGB", (600, 400))
    for colour, box in (
        (RED, (0, 0, 300, 200)),
        (GREEN, (300, 0, 600, 200)),
        (BLUE, (0, 200, 300, 400)),
        (YELLOW, (300, 200, 600, 400)),
    ):
        stored.paste(colour, box)
    data = jpeg(stored, orientation=orientation)
    reference = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    image = render("SINGLE", [data], gutter=0)
    # SINGLE is 3:2 landscape: the reference covered the same way is the expected picture
    expected = ImageOps.fit(reference, (1800, 1200))
    for point in ((450, 300), (1350, 300), (450, 900), (1350, 900)):
        assert near(image.getpixel(point), expected.getpixel(point), 20), (orientation, point)  # type: ignore[arg-type]


def test_a_wide_source_is_scaled_to_cover_and_centre_cropped() -> None:
    wide = Image.new("RGB", (1800, 600), RED)
    wide.paste(GREEN, (600, 0, 1200, 600))
    wide.paste(BLUE, (1200, 0, 1800, 600))
    image = render("GRID_2X2", [jpeg(wide), solid(WHITE), solid(WHITE), solid(WHITE)])
    cell = layout(Template.GRID_2X2, 20)[0]
    # The square cell shows exactly the middle third: green edge to edge, no red or blue.
    for x in (cell.left + 6, cell.left + cell.width // 2, cell.left + cell.width - 7):
        for y in (cell.top + 6, cell.top + cell.height // 2, cell.top + cell.height - 7):
            assert near(image.getpixel((x, y)), GREEN, 30), (x, y, image.getpixel((x, y)))


def test_a_tall_source_in_a_wide_cell_keeps_its_middle_band() -> None:
    tall = Image.new("RGB", (400, 1200), RED)
    tall.paste(GREEN, (0, 400, 400, 800))
    image = render("SINGLE", [jpeg(tall)], gutter=0)
    # 1800x1200 from 400x1200: scaled 4.5x, only the middle 1200/4.5 = 267 rows survive
    for point in ((900, 5), (900, 600), (900, 1194), (5, 600), (1794, 600)):
        assert near(image.getpixel(point), GREEN, 30), point


def test_output_is_a_300_dpi_srgb_jpeg_without_metadata() -> None:
    tagged = Image.new("RGB", (640, 480), RED)
    exif = tagged.getexif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0131] = "Editor 1.0"  # Software
    source = jpeg(tagged, comment=b"secret comment")
    out = io.BytesIO()
    render_collage("SINGLE", [opener(source)], out)
    data = out.getvalue()
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    assert image.mode == "RGB"
    assert image.info["dpi"] == (300, 300)
    assert not image.getexif()
    assert "exif" not in image.info
    assert "comment" not in image.info
    assert "xmp" not in image.info
    assert b"PhoneMaker" not in data
    assert b"secret comment" not in data
    assert b"Exif" not in data
    profile = ImageCms.ImageCmsProfile(io.BytesIO(image.info["icc_profile"]))
    assert ImageCms.getProfileDescription(profile).strip().startswith("sRGB")


@pytest.mark.parametrize(
    ("template", "gutter", "background", "message"),
    [
        ("GRID_4X4", None, None, "template"),
        ("grid_2x2", None, None, "template"),
        ("SINGLE", -1, None, "gutter"),
        ("SINGLE", 101, None, "gutter"),
        ("SINGLE", 20.5, None, "gutter"),
        ("SINGLE", True, None, "gutter"),
        ("SINGLE", "20", None, "gutter"),
        ("SINGLE", None, "FFFFFF", "background"),
        ("SINGLE", None, "#FFF", "background"),
        ("SINGLE", None, "#GGGGGG", "background"),
        ("SINGLE", None, "white", "background"),
        ("SINGLE", None, "#FFFFFF ", "background"),
    ],
)
def test_bad_template_gutter_or_background_is_refused_before_any_source_opens(
    template: str, gutter: object, background: object, message: str
) -> None:
    opened: list[int] = []

    def never() -> BinaryIO:
        opened.append(1)
        raise AssertionError("a source was opened")

    out = io.BytesIO()
    with pytest.raises(InvalidRenderSpec, match=message):
        render_collage(template, [never], out, gutter=gutter, background=background)  # type: ignore[arg-type]
    assert opened == []
    assert out.getvalue() == b""


@pytest.mark.parametrize("count", [0, 3, 5])
def test_the_number_of_sources_must_match_the_template(count: int) -> None:
    with pytest.raises(InvalidRenderSpec, match="exactly 4"):
        render_collage("GRID_2X2", [opener(solid(RED))] * count, io.BytesIO())


def test_a_corrupt_source_is_a_typed_error_naming_it_and_nothing_is_written() -> None:
    good = solid(RED)
    truncated = good[: len(good) // 2]
    for bad, reason in ((truncated, "damaged"), (b"not an image at all", "not a supported image")):
        out = io.BytesIO()
        with pytest.raises(UnreadableSource, match=reason) as caught:
            render_collage("GRID_2X2", [opener(good), opener(good), opener(bad), opener(good)], out)
        assert caught.value.index == 2
        assert str(caught.value).startswith("photo 3 could not be read")
        assert out.getvalue() == b""


def test_a_source_that_cannot_be_opened_is_a_typed_error() -> None:
    def deleted() -> BinaryIO:
        raise FileNotFoundError("NoSuchKey")

    with pytest.raises(UnreadableSource, match="could not be opened") as caught:
        render_collage("SINGLE", [deleted], io.BytesIO())
    assert caught.value.index == 0


def test_sources_are_opened_one_at_a_time_and_closed_before_the_next() -> None:
    events: list[str] = []

    class Tracked(io.BytesIO):
        def __init__(self, data: bytes, name: str) -> None:
            super().__init__(data)
            self.label = name

        def close(self) -> None:
            if not self.closed:
                events.append(f"close {self.label}")
            super().close()

    def tracked(index: int) -> Callable[[], BinaryIO]:
        def open_one() -> BinaryIO:
            events.append(f"open {index}")
            return Tracked(solid(PALETTE[index]), str(index))

        return open_one

    render_collage("GRID_2X2", [tracked(i) for i in range(4)], io.BytesIO())
    assert events == [e for i in range(4) for e in (f"open {i}", f"close {i}")]


def test_a_large_jpeg_is_decoded_only_as_large_as_its_cell_needs() -> None:
    data = solid(RED, (4000, 3000))
    # a GRID_3X3 cell is 773 px square: covering it needs 1031x773, so draft decodes at 1/2
    image = open_image(data, 0)
    assert decode_cover(image, 0, (773, 773)).size == (773, 773)
    assert image.size == (2000, 1500)
    # a cell needing less than 1/8 gets 1/8, never smaller than asked
    image = open_image(data, 0)
    assert decode_cover(image, 0, (250, 250)).size == (250, 250)
    assert image.size == (500, 375)


def test_a_heic_source_is_drawn() -> None:
    from pillow_heif import register_heif_opener

    register_heif_opener()
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), BLUE).save(buffer, "HEIF", quality=90)
    image = render("SINGLE", [buffer.getvalue()])
    assert near(image.getpixel((900, 600)), BLUE, 20)


def test_a_png_with_transparency_is_flattened_on_white() -> None:
    png = Image.new("RGBA", (640, 480), (0, 0, 0, 0))
    png.paste((30, 40, 220, 255), (0, 0, 320, 480))
    buffer = io.BytesIO()
    png.save(buffer, "PNG")
    image = render("SINGLE", [buffer.getvalue()], gutter=0)
    assert near(image.getpixel((300, 600)), BLUE)
    assert near(image.getpixel((1500, 600)), WHITE)


def test_a_source_over_50_megapixels_is_refused_from_its_header() -> None:
    buffer = io.BytesIO()
    Image.new("1", (10_000, 5_001)).save(buffer, "PNG")  # tiny file, 50.01 MP
    with pytest.raises(UnreadableSource, match="too large"):
        render_collage("SINGLE", [opener(buffer.getvalue())], io.BytesIO())


def test_a_palette_gif_is_drawn() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (0, 204, 51)).convert("P").save(buffer, "GIF")  # a web-palette colour
    image = render("SINGLE", [buffer.getvalue()])
    assert near(image.getpixel((900, 600)), (0, 204, 51), 20)

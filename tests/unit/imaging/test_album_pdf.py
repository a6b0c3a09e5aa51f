"""Album PDFs from real generated photos, read back with pypdf (SPEC 8)."""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Callable
from typing import BinaryIO

import pytest
from PIL import Image, ImageOps
from pypdf import PdfReader

from ape_imaging.album_pdf import (
    MARGIN,
    MAX_PHOTOS,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    strip_jpeg_metadata,
    text_width,
    wrap,
    write_album_pdf,
)
from ape_imaging.render_source import InvalidRenderSpec, UnreadableSource

RGB = tuple[int, int, int]
RED, GREEN, BLUE, YELLOW = (220, 30, 30), (30, 200, 40), (30, 40, 220), (240, 220, 20)
Matrix = tuple[float, float, float, float, float, float]


def jpeg(image: Image.Image, orientation: int | None = None) -> bytes:
    buffer = io.BytesIO()
    exif = image.getexif()
    exif[0x010F] = "PhoneMaker"
    if orientation is not None:
        exif[0x0112] = orientation
    image.save(buffer, "JPEG", quality=90, exif=exif)
    return buffer.getvalue()


def opener(data: bytes) -> Callable[[], BinaryIO]:
    return lambda: io.BytesIO(data)


def quadrants(size: tuple[int, int] = (800, 600)) -> Image.Image:
    """TL red, TR green, BL blue, BR yellow."""
    image = Image.new("RGB", size)
    w, h = size[0] // 2, size[1] // 2
    for colour, box in (
        (RED, (0, 0, w, h)),
        (GREEN, (w, 0, 2 * w, h)),
        (BLUE, (0, h, w, 2 * h)),
        (YELLOW, (w, h, 2 * w, 2 * h)),
    ):
        image.paste(colour, box)
    return image


def album(photos: list[bytes], name: str = "Summer at the lake", description: str | None = "Two days") -> bytes:
    out = io.BytesIO()
    write_album_pdf(out, name=name, description=description, photos=[opener(p) for p in photos])
    return out.getvalue()


def read(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf), strict=True)


def image_matrix(reader: PdfReader, page: int) -> Matrix:
    content = reader.pages[page].get_contents()
    assert content is not None
    found = re.fullmatch(rb"q ((?:\S+ ){6})cm /Im0 Do Q", content.get_data())
    assert found, content.get_data()
    a, b, c, d, e, f = (float(v) for v in found.group(1).split())
    return (a, b, c, d, e, f)


def on_page(matrix: Matrix, u: float, v: float) -> tuple[float, float]:
    """Where the stored image's point (u across, v down, both 0..1) is drawn on the page."""
    a, b, c, d, e, f = matrix
    x, y = u, 1 - v  # PDF's unit square has the image's first row at the top
    return (a * x + c * y + e, b * x + d * y + f)


def drawn_box(matrix: Matrix) -> tuple[float, float, float, float]:
    corners = [on_page(matrix, u, v) for u in (0, 1) for v in (0, 1)]
    xs, ys = [p[0] for p in corners], [p[1] for p in corners]
    return (min(xs), min(ys), max(xs), max(ys))


def test_cover_then_one_page_per_photo_each_8_by_10_inches() -> None:
    photos = [jpeg(Image.new("RGB", (900, 600), c)) for c in (RED, GREEN, BLUE)]
    reader = read(album(photos))
    assert len(reader.pages) == 4
    for page in reader.pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == (576, 720)
    assert len(reader.pages[0].images) == 0
    for page in reader.pages[1:]:
        assert len(page.images) == 1


def test_photo_pages_keep_the_given_order() -> None:
    colours = [RED, GREEN, BLUE, YELLOW]
    reader = read(album([jpeg(Image.new("RGB", (300, 200), c)) for c in colours]))
    for page, colour in zip(reader.pages[1:], colours, strict=True):
        drawn = page.images[0].image
        assert drawn is not None
        pixel = drawn.convert("RGB").getpixel((150, 100))
        assert isinstance(pixel, tuple)
        assert all(abs(p - c) <= 12 for p, c in zip(pixel, colour, strict=True))


def test_the_cover_shows_the_name_and_the_wrapped_description() -> None:
    description = "We spent two days by the water with the whole family, " * 6
    reader = read(album([jpeg(Image.new("RGB", (300, 200), RED))], name="Lake (2026) \\ Café", description=description))
    text = reader.pages[0].extract_text()
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines[0] == "Lake (2026) \\ Café"
    assert len(lines) > 2  # the description needed several lines
    assert " ".join(" ".join(lines[1:]).split()) == " ".join(description.split())


def test_a_cover_without_description_has_only_the_name() -> None:
    reader = read(album([jpeg(Image.new("RGB", (300, 200), RED))], name="Just us", description=None))
    assert reader.pages[0].extract_text().strip() == "Just us"


def test_characters_outside_the_cover_font_print_as_question_marks() -> None:
    reader = read(album([jpeg(Image.new("RGB", (300, 200), RED))], name="Zoë ☃", description=None))
    assert reader.pages[0].extract_text().strip() == "Zoë ?"


@pytest.mark.parametrize("size", [(1200, 800), (800, 1200), (1000, 1000), (4000, 500), (300, 2400)])
def test_each_photo_is_fitted_inside_the_margins_and_centred(size: tuple[int, int]) -> None:
    reader = read(album([jpeg(Image.new("RGB", size, GREEN))]))
    left, bottom, right, top = drawn_box(image_matrix(reader, 1))
    eps = 1e-3
    assert left >= MARGIN - eps
    assert bottom >= MARGIN - eps
    assert right <= PAGE_WIDTH - MARGIN + eps
    assert top <= PAGE_HEIGHT - MARGIN + eps
    assert abs(left - (PAGE_WIDTH - right)) < eps
    assert abs(bottom - (PAGE_HEIGHT - top)) < eps
    # fitted: it touches the margins on one axis, and keeps its aspect ratio
    assert abs(left - MARGIN) < eps or abs(bottom - MARGIN) < eps
    assert abs((right - left) / (top - bottom) - size[0] / size[1]) < 1e-3


def test_exif_orientation_6_is_drawn_upright() -> None:
    reader = read(album([jpeg(quadrants(), orientation=6)]))
    matrix = image_matrix(reader, 1)
    left, bottom, right, top = drawn_box(matrix)
    assert top - bottom > right - left  # a landscape file shown as the portrait it is
    mid_x, mid_y = (left + right) / 2, (bottom + top) / 2

    def quadrant(u: float, v: float) -> str:
        x, y = on_page(matrix, u, v)
        return ("top" if y > mid_y else "bottom") + "-" + ("left" if x < mid_x else "right")

    # stored red top-left is shown top-right, green top-right bottom-right, blue bottom-left
    # top-left, yellow bottom-right bottom-left: the picture turned 90° clockwise
    assert quadrant(0.25, 0.25) == "top-right"
    assert quadrant(0.75, 0.25) == "bottom-right"
    assert quadrant(0.25, 0.75) == "top-left"
    assert quadrant(0.75, 0.75) == "bottom-left"


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_orientation_matches_the_exif_transposed_photo(orientation: int) -> None:
    data = jpeg(quadrants((800, 600)), orientation=orientation)
    reference = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    reader = read(album([data]))
    matrix = image_matrix(reader, 1)
    left, bottom, right, top = drawn_box(matrix)
    assert abs((right - left) / (top - bottom) - reference.width / reference.height) < 1e-3
    stored = Image.open(io.BytesIO(data)).convert("RGB")
    for u, v in ((0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75)):
        x, y = on_page(matrix, u, v)
        # the same point in the upright reference, from the page position
        rx = (x - left) / (right - left) * reference.width
        ry = (top - y) / (top - bottom) * reference.height
        assert reference.getpixel((int(rx), int(ry))) == stored.getpixel((int(u * 800), int(v * 600)))


def test_jpegs_pass_through_without_their_metadata() -> None:
    source = jpeg(Image.effect_noise((640, 480), 40).convert("RGB"))
    pdf = album([source])
    assert b"PhoneMaker" not in pdf
    assert b"Exif" not in pdf
    stripped = strip_jpeg_metadata(source)
    assert stripped in pdf  # byte for byte: no re-encoding
    assert len(stripped) < len(source)
    scan = source.index(b"\xff\xda")
    assert stripped.endswith(source[scan:])


def test_other_formats_are_reencoded_upright_at_print_resolution() -> None:
    png = io.BytesIO()
    Image.new("RGB", (6000, 4000), BLUE).save(png, "PNG")
    reader = read(album([png.getvalue()]))
    drawn = reader.pages[1].images[0].image
    assert drawn is not None
    # fitted 540 pt (7.5 in) wide: 2250 px at 300 dpi
    assert drawn.size == (2250, 1500)


def test_a_heic_photo_is_embedded() -> None:
    from pillow_heif import register_heif_opener

    register_heif_opener()
    heic = io.BytesIO()
    Image.new("RGB", (640, 480), RED).save(heic, "HEIF", quality=90)
    reader = read(album([heic.getvalue()]))
    assert len(reader.pages) == 2
    assert len(reader.pages[1].images) == 1


def test_pages_are_written_as_they_are_made() -> None:
    out = io.BytesIO()
    written_before: list[int] = []
    data = jpeg(Image.new("RGB", (300, 200), RED))

    def tracked() -> BinaryIO:
        written_before.append(out.tell())
        return io.BytesIO(data)

    stats = write_album_pdf(out, name="A", description=None, photos=[tracked] * 5)
    # each photo is opened after the previous page reached the output
    assert all(b - a > len(data) // 2 for a, b in itertools.pairwise(written_before))
    assert stats.pages == 6
    assert stats.bytes_written == len(out.getvalue())
    assert stats.passed_through == 5
    assert stats.reencoded == 0


def test_a_corrupt_photo_is_a_typed_error_naming_it() -> None:
    good = jpeg(Image.new("RGB", (300, 200), RED))
    with pytest.raises(UnreadableSource, match="photo 2 could not be read") as caught:
        album([good, b"\xff\xd8garbage", good])
    assert caught.value.index == 1


def test_a_deleted_photo_is_a_typed_error() -> None:
    def deleted() -> BinaryIO:
        raise FileNotFoundError("NoSuchKey")

    with pytest.raises(UnreadableSource, match="could not be opened"):
        write_album_pdf(io.BytesIO(), name="A", description=None, photos=[deleted])


@pytest.mark.parametrize(
    ("name", "count", "message"),
    [("A", 0, "1 to 500 photos"), ("   ", 1, "name"), ("x" * 201, 1, "name"), ("A", MAX_PHOTOS + 1, "1 to 500 photos")],
)
def test_bad_albums_are_refused(name: str, count: int, message: str) -> None:
    tiny = jpeg(Image.new("RGB", (16, 16), RED))
    with pytest.raises(InvalidRenderSpec, match=message):
        write_album_pdf(io.BytesIO(), name=name, description=None, photos=[opener(tiny)] * count)


def test_wrap_cuts_a_word_longer_than_the_line() -> None:
    lines = wrap("a " + "W" * 60 + " b", 14, 200)
    assert lines[0] == "a"
    assert all(line and text_width(line, 14) <= 200 for line in lines)
    assert "".join(lines).replace(" ", "") == "a" + "W" * 60 + "b"


def test_too_many_photos_from_a_lazy_iterable_are_refused_as_they_are_counted() -> None:
    tiny = jpeg(Image.new("RGB", (16, 16), RED))
    with pytest.raises(InvalidRenderSpec, match="1 to 500 photos"):
        write_album_pdf(io.BytesIO(), name="A", description=None, photos=(opener(tiny) for _ in range(MAX_PHOTOS + 1)))


def test_an_embedded_profile_becomes_the_image_colour_space() -> None:
    from PIL import ImageCms

    p3_like = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()  # not RGB: ignored
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    photos = []
    for profile in (srgb, p3_like):
        buffer = io.BytesIO()
        Image.new("RGB", (64, 48), RED).save(buffer, "JPEG", icc_profile=profile)
        photos.append(buffer.getvalue())
    reader = read(album(photos))
    spaces = []
    for page in reader.pages[1:]:
        xobject = page["/Resources"]["/XObject"]["/Im0"].get_object()
        spaces.append(xobject["/ColorSpace"])
    assert spaces[0][0] == "/ICCBased"
    assert spaces[0][1].get_object()["/N"] == 3
    assert spaces[1] == "/DeviceRGB"

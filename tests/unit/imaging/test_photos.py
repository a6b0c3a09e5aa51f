"""check_photo against real files: what it accepts, how the thumbnail looks, what it refuses."""

from __future__ import annotations

import functools
import io
import os
import random
from pathlib import Path

import pillow_heif
import pytest
from PIL import Image, ImageCms, ImageFile, ImageOps

from ape_imaging.photos import (
    MAX_PIXELS,
    THUMBNAIL_LONGEST_SIDE,
    CheckedPhoto,
    PhotoRefused,
    RefusalReason,
    check_photo,
)
from tests.unit.imaging.images import (
    BLUE,
    GREEN,
    RED,
    encode,
    exif_with_gps,
    jpeg_declaring,
    jpeg_segments,
    noisy,
    png_declaring,
    png_with_idat,
    quadrant_marker,
    rgb16_png,
    two_halves,
)

# APP0 (JFIF), DQT, SOF0, DHT, SOS: what a bare baseline JPEG holds. No APP1 (EXIF, XMP), no
# APP2 (ICC), no APP13 (IPTC), no COM.
BARE_JPEG_SEGMENTS = {0xE0, 0xDB, 0xC0, 0xC4, 0xDA}


def open_thumbnail(photo: CheckedPhoto) -> Image.Image:
    """The thumbnail as any client would read it, after checking it carries nothing but pixels."""
    assert set(jpeg_segments(photo.thumbnail)) <= BARE_JPEG_SEGMENTS
    assert b"Exif" not in photo.thumbnail
    assert b"GPS" not in photo.thumbnail
    thumbnail = Image.open(io.BytesIO(photo.thumbnail))
    assert thumbnail.format == "JPEG"
    assert thumbnail.mode == "RGB"
    assert thumbnail.size == (photo.thumbnail_width, photo.thumbnail_height)
    assert max(thumbnail.size) <= THUMBNAIL_LONGEST_SIDE
    assert not thumbnail.getexif()
    assert "icc_profile" not in thumbnail.info
    assert "exif" not in thumbnail.info
    assert photo.thumbnail_content_type == "image/jpeg"
    return thumbnail


def close_to(actual: tuple[int, ...] | float, expected: tuple[int, ...], tolerance: int = 40) -> bool:
    assert isinstance(actual, tuple)
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True))


@functools.cache
def noisy_jpeg(progressive: bool) -> bytes:
    """Large enough that the reduced-size decode still reads the data that a cut removes."""
    return encode(noisy(1600, 1200), "JPEG", quality=90, progressive=progressive)


def refusal(data: bytes, content_type: str, tmp_path: Path) -> PhotoRefused:
    """Refused both as a file on disk (how the pipeline passes it) and as a stream."""
    path = tmp_path / "upload"
    path.write_bytes(data)
    with pytest.raises(PhotoRefused) as from_path:
        check_photo(path, content_type)
    with pytest.raises(PhotoRefused) as from_stream:
        check_photo(io.BytesIO(data), content_type)
    assert from_path.value.reason == from_stream.value.reason
    return from_path.value


# --- accepted ---


def test_jpeg_with_orientation_6_and_gps_gives_an_upright_thumbnail_without_any_metadata(tmp_path: Path) -> None:
    # Stored landscape, left half red; orientation 6 means "rotate 90° clockwise to view", so the
    # viewer sees a portrait photo with red on top.
    path = tmp_path / "sideways.jpg"
    path.write_bytes(encode(two_halves(1200, 800, RED, BLUE), "JPEG", quality=95, exif=exif_with_gps(6)))
    original_exif = Image.open(path).getexif()
    assert original_exif[0x0112] == 6
    assert original_exif.get_ifd(0x8825), "the test file must carry GPS"

    photo = check_photo(path, "image/jpeg")

    assert (photo.width, photo.height) == (800, 1200)
    assert (photo.content_type, photo.format) == ("image/jpeg", "JPEG")
    thumbnail = open_thumbnail(photo)
    assert thumbnail.size == (267, 400)
    assert close_to(thumbnail.getpixel((133, 50)), RED)
    assert close_to(thumbnail.getpixel((133, 350)), BLUE)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_matches_pillows_own_transpose(orientation: int) -> None:
    stored = quadrant_marker(640, 480)
    data = encode(stored, "JPEG", quality=95, exif=exif_with_gps(orientation))
    expected = ImageOps.exif_transpose(Image.open(io.BytesIO(data))).resize(
        (400, 300) if orientation < 5 else (300, 400)
    )

    photo = check_photo(io.BytesIO(data), "image/jpeg")

    assert (photo.width, photo.height) == ((640, 480) if orientation < 5 else (480, 640))
    thumbnail = open_thumbnail(photo)
    assert thumbnail.size == expected.size
    for x, y in [(20, 20), (thumbnail.width - 20, 20), (20, thumbnail.height - 20)]:
        assert close_to(thumbnail.getpixel((x, y)), expected.getpixel((x, y))), (orientation, x, y)


def test_png_transparency_is_flattened_on_white(tmp_path: Path) -> None:
    image = Image.new("RGBA", (800, 200), (0, 0, 0, 255))
    image.paste((0, 0, 0, 0), (0, 0, 400, 200))
    path = tmp_path / "cutout.png"
    path.write_bytes(encode(image, "PNG"))

    photo = check_photo(path, "image/png")

    assert (photo.width, photo.height, photo.format) == (800, 200, "PNG")
    thumbnail = open_thumbnail(photo)
    assert thumbnail.size == (400, 100)
    assert close_to(thumbnail.getpixel((50, 50)), (255, 255, 255), 8)
    assert close_to(thumbnail.getpixel((350, 50)), (0, 0, 0), 8)


def test_palette_png_with_a_transparent_index_is_flattened_on_white() -> None:
    image = Image.new("P", (100, 100), 1)
    image.putpalette([0, 0, 0, 0, 160, 0])
    image.paste(0, (0, 0, 50, 100))
    photo = check_photo(io.BytesIO(encode(image, "PNG", transparency=0)), "image/png")
    thumbnail = open_thumbnail(photo)
    assert close_to(thumbnail.getpixel((10, 50)), (255, 255, 255), 8)
    assert close_to(thumbnail.getpixel((90, 50)), GREEN, 20)


def test_webp() -> None:
    photo = check_photo(io.BytesIO(encode(two_halves(1000, 500, RED, BLUE), "WEBP", quality=90)), "image/webp")
    assert (photo.width, photo.height, photo.format) == (1000, 500, "WEBP")
    thumbnail = open_thumbnail(photo)
    assert thumbnail.size == (400, 200)
    assert close_to(thumbnail.getpixel((50, 100)), RED)
    assert close_to(thumbnail.getpixel((350, 100)), BLUE)


def test_heic(tmp_path: Path) -> None:
    path = tmp_path / "photo.heic"
    path.write_bytes(encode(two_halves(1024, 768, RED, BLUE), "HEIF", quality=90))
    assert pillow_heif.is_supported(path.read_bytes())

    photo = check_photo(path, "image/heic")

    assert (photo.width, photo.height, photo.format) == (1024, 768, "HEIF")
    thumbnail = open_thumbnail(photo)
    assert thumbnail.size == (400, 300)
    assert close_to(thumbnail.getpixel((50, 150)), RED)
    assert close_to(thumbnail.getpixel((350, 150)), BLUE)


def test_heic_rotation_is_applied_once() -> None:
    # pillow-heif stores EXIF orientation 6 as the container's rotation (irot); on decode libheif
    # applies it and pillow-heif resets the EXIF orientation to 1: the image comes out as it was
    # given to the encoder, and check_photo must not rotate it a second time.
    data = encode(two_halves(640, 480, RED, BLUE), "HEIF", quality=90, exif=exif_with_gps(6))
    assert Image.open(io.BytesIO(data)).info["original_orientation"] == 6

    photo = check_photo(io.BytesIO(data), "image/heic")

    assert (photo.width, photo.height) == (640, 480)
    thumbnail = open_thumbnail(photo)
    assert thumbnail.size == (400, 300)
    assert close_to(thumbnail.getpixel((50, 150)), RED)
    assert close_to(thumbnail.getpixel((350, 150)), BLUE)


def test_cmyk_jpeg_becomes_rgb() -> None:
    cmyk = Image.new("CMYK", (600, 300), (0, 255, 255, 0))  # full magenta + yellow: red
    cmyk.paste((255, 255, 0, 0), (300, 0, 600, 300))  # full cyan + magenta: blue
    data = encode(cmyk, "JPEG", quality=95)
    assert Image.open(io.BytesIO(data)).mode == "CMYK"

    photo = check_photo(io.BytesIO(data), "image/jpeg")

    thumbnail = open_thumbnail(photo)
    assert thumbnail.size == (400, 200)
    assert close_to(thumbnail.getpixel((50, 100)), RED)
    assert close_to(thumbnail.getpixel((350, 100)), BLUE)


def test_sixteen_bit_grey_png_is_scaled_to_eight_bits_not_clipped() -> None:
    ramp = Image.linear_gradient("L").rotate(90).resize((512, 64))  # dark left, bright right
    grey16 = ramp.convert("I").point(lambda value: value * 257).convert("I;16")
    data = encode(grey16, "PNG")
    assert Image.open(io.BytesIO(data)).mode.startswith("I")

    thumbnail = open_thumbnail(check_photo(io.BytesIO(data), "image/png"))

    assert thumbnail.size == (400, 50)
    left, middle, right = (thumbnail.getpixel((x, 25)) for x in (5, 200, 395))
    assert close_to(left, ramp.resize((400, 50)).convert("RGB").getpixel((5, 25)), 12)
    assert close_to(middle, ramp.resize((400, 50)).convert("RGB").getpixel((200, 25)), 12)
    assert close_to(right, ramp.resize((400, 50)).convert("RGB").getpixel((395, 25)), 12)


def test_sixteen_bit_rgb_png() -> None:
    photo = check_photo(io.BytesIO(rgb16_png(200, 40)), "image/png")
    assert (photo.width, photo.height) == (200, 40)
    thumbnail = open_thumbnail(photo)
    assert thumbnail.size == (200, 40)
    assert close_to(thumbnail.getpixel((2, 20)), (0, 0, 255), 20)
    assert close_to(thumbnail.getpixel((197, 20)), (255, 0, 0), 20)


@pytest.mark.parametrize(
    ("size", "image_format", "content_type"),
    [((120, 80), "JPEG", "image/jpeg"), ((400, 300), "PNG", "image/png"), ((1, 1), "WEBP", "image/webp")],
)
def test_small_images_are_never_upscaled(size: tuple[int, int], image_format: str, content_type: str) -> None:
    photo = check_photo(io.BytesIO(encode(Image.new("RGB", size, GREEN), image_format)), content_type)
    assert (photo.width, photo.height) == size
    assert open_thumbnail(photo).size == size


def test_a_twelve_megapixel_jpeg_gives_a_400_pixel_thumbnail(tmp_path: Path) -> None:
    path = tmp_path / "big.jpg"
    path.write_bytes(encode(noisy(4032, 3024), "JPEG", quality=90))
    photo = check_photo(path, "image/jpeg")
    assert (photo.width, photo.height) == (4032, 3024)
    assert open_thumbnail(photo).size == (400, 300)


def test_a_phone_jpeg_with_a_multi_picture_index_is_a_jpeg() -> None:
    buffer = io.BytesIO()
    two_halves(800, 600, RED, BLUE).save(buffer, "MPO", save_all=True, append_images=[Image.new("RGB", (800, 600))])
    assert Image.open(buffer).format == "MPO"

    photo = check_photo(buffer, "image/jpeg")

    assert (photo.format, photo.width, photo.height) == ("MPO", 800, 600)
    thumbnail = open_thumbnail(photo)
    assert close_to(thumbnail.getpixel((50, 150)), RED)
    assert close_to(thumbnail.getpixel((350, 150)), BLUE)


def test_declared_type_is_read_case_insensitively() -> None:
    photo = check_photo(io.BytesIO(encode(Image.new("RGB", (10, 10), GREEN), "JPEG")), " Image/JPEG ")
    assert photo.content_type == "image/jpeg"


# --- refused ---


def test_png_declared_as_jpeg_is_wrong_type(tmp_path: Path) -> None:
    refused = refusal(encode(Image.new("RGB", (50, 50), GREEN), "PNG"), "image/jpeg", tmp_path)
    assert refused.reason is RefusalReason.WRONG_TYPE
    assert "PNG" in refused.message


@pytest.mark.parametrize(
    ("image_format", "content_type"), [("JPEG", "image/heic"), ("WEBP", "image/png"), ("HEIF", "image/jpeg")]
)
def test_any_other_mismatch_is_wrong_type(image_format: str, content_type: str, tmp_path: Path) -> None:
    data = encode(Image.new("RGB", (64, 64), GREEN), image_format)
    assert refusal(data, content_type, tmp_path).reason is RefusalReason.WRONG_TYPE


def test_a_type_spec_does_not_allow_is_refused_before_reading(tmp_path: Path) -> None:
    data = encode(Image.new("RGB", (10, 10), GREEN), "GIF")
    assert refusal(data, "image/gif", tmp_path).reason is RefusalReason.UNSUPPORTED_TYPE


def test_a_gif_declared_as_jpeg_is_not_one_of_our_images(tmp_path: Path) -> None:
    # Only the four formats' parsers ever see an upload.
    data = encode(Image.new("RGB", (10, 10), GREEN), "GIF")
    assert refusal(data, "image/jpeg", tmp_path).reason is RefusalReason.NOT_AN_IMAGE


@pytest.mark.parametrize("progressive", [False, True])
@pytest.mark.parametrize("kept", [0.5, 0.9, 0.99])
def test_truncated_jpeg(kept: float, progressive: bool, tmp_path: Path) -> None:
    data = noisy_jpeg(progressive)
    assert refusal(data[: int(len(data) * kept)], "image/jpeg", tmp_path).reason is RefusalReason.TRUNCATED


def test_truncated_png(tmp_path: Path) -> None:
    data = encode(noisy(600, 400), "PNG")
    assert refusal(data[: len(data) // 2], "image/png", tmp_path).reason is RefusalReason.TRUNCATED


def test_truncated_heic(tmp_path: Path) -> None:
    data = encode(noisy(640, 480), "HEIF", quality=80)
    refused = refusal(data[: len(data) // 2], "image/heic", tmp_path)
    assert refused.reason in {RefusalReason.TRUNCATED, RefusalReason.CORRUPT, RefusalReason.NOT_AN_IMAGE}


def test_zero_bytes(tmp_path: Path) -> None:
    assert refusal(b"", "image/jpeg", tmp_path).reason is RefusalReason.EMPTY


@pytest.mark.parametrize("content_type", ["image/jpeg", "image/png", "image/webp", "image/heic"])
def test_random_bytes(content_type: str, tmp_path: Path) -> None:
    assert refusal(os.urandom(64 * 1024), content_type, tmp_path).reason is RefusalReason.NOT_AN_IMAGE


def test_random_bytes_behind_a_jpeg_header(tmp_path: Path) -> None:
    data = encode(Image.new("RGB", (64, 64), GREEN), "JPEG")
    scan = data.index(b"\xff\xda")
    # Fixed bytes, not os.urandom: libjpeg decodes some random entropy data that happens to hold
    # an end-of-image marker as a (garbage) picture, which no decoder can tell from a photo; the
    # test pins data that is damaged in the way uploads are (docs/IMAGING.md).
    hostile = data[: scan + 14] + random.Random(20261129).randbytes(32 * 1024)
    refused = refusal(hostile, "image/jpeg", tmp_path)
    assert refused.reason in {RefusalReason.TRUNCATED, RefusalReason.CORRUPT}


@pytest.mark.parametrize(
    ("width", "height"),
    [(30000, 30000), (8000, 8000), (7072, 7072)],  # over twice the limit, within twice it, just over it
)
@pytest.mark.parametrize("make", [png_declaring, jpeg_declaring])
def test_too_many_pixels_is_refused_from_the_header(width: int, height: int, make: object, tmp_path: Path) -> None:
    assert width * height > MAX_PIXELS
    data = make(width, height)  # type: ignore[operator]
    assert len(data) < 2048
    assert refusal(data, "image/png" if make is png_declaring else "image/jpeg", tmp_path).reason is (
        RefusalReason.TOO_MANY_PIXELS
    )


def test_a_corrupt_png_data_stream(tmp_path: Path) -> None:
    data = png_with_idat(16, 16, 8, 2, b"\x78\x9c" + b"\xff" * 200)  # a zlib header, then no deflate stream
    assert refusal(data, "image/png", tmp_path).reason in {RefusalReason.CORRUPT, RefusalReason.TRUNCATED}


def test_pillow_never_loads_truncated_images() -> None:
    # Importing the package must not have relaxed Pillow's guard that truncation depends on.
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    assert Image.MAX_IMAGE_PIXELS == MAX_PIXELS


def test_refusal_reads_well_in_a_log_line() -> None:
    with pytest.raises(PhotoRefused) as refused:
        check_photo(io.BytesIO(b""), "image/png")
    assert str(refused.value) == "empty: the file has no bytes"
    assert refused.value.reason == "empty"


def test_an_embedded_profile_is_applied_then_dropped() -> None:
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = encode(two_halves(800, 400, RED, BLUE), "JPEG", quality=95, icc_profile=srgb)
    assert Image.open(io.BytesIO(data)).info["icc_profile"] == srgb

    thumbnail = open_thumbnail(check_photo(io.BytesIO(data), "image/jpeg"))

    assert close_to(thumbnail.getpixel((50, 100)), RED)
    assert close_to(thumbnail.getpixel((350, 100)), BLUE)


def test_a_profile_that_does_not_fit_the_pixels_leaves_the_colours_as_stored() -> None:
    lab = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()
    data = encode(two_halves(800, 400, RED, BLUE), "JPEG", quality=95, icc_profile=lab)

    thumbnail = open_thumbnail(check_photo(io.BytesIO(data), "image/jpeg"))

    assert close_to(thumbnail.getpixel((50, 100)), RED)
    assert close_to(thumbnail.getpixel((350, 100)), BLUE)

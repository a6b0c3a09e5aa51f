"""Real image files for the imaging tests, made with Pillow (and pillow-heif for HEIC).

Hostile files are made byte by byte: a PNG is chunks with CRCs, so one that declares any size
with almost no data is a few lines.
"""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image

RED = (255, 0, 0)
BLUE = (0, 0, 255)
GREEN = (0, 160, 0)


def encode(image: Image.Image, image_format: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, image_format, **params)
    return buffer.getvalue()


def noisy(width: int, height: int, seed: int = 1) -> Image.Image:
    """Photo-like enough that a JPEG of it has real entropy-coded data to cut short."""
    noise = Image.effect_noise((width, height), 64).convert("L")
    gradient = Image.linear_gradient("L").resize((width, height))
    return Image.merge("RGB", (noise, gradient, Image.effect_noise((width, height), 32 + seed).convert("L")))


def two_halves(width: int, height: int, left: tuple[int, int, int], right: tuple[int, int, int]) -> Image.Image:
    image = Image.new("RGB", (width, height), right)
    image.paste(left, (0, 0, width // 2, height))
    return image


def quadrant_marker(width: int, height: int) -> Image.Image:
    """Blue, with the top-left quadrant red: where red ends up shows the orientation applied."""
    image = Image.new("RGB", (width, height), BLUE)
    image.paste(RED, (0, 0, width // 2, height // 2))
    return image


def exif_with_gps(orientation: int) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = orientation  # Orientation
    exif[0x010F] = "ApeCam"  # Make
    exif[0x0110] = "Booth 3000"  # Model
    exif[0x8825] = {  # GPSInfo IFD
        1: "N",
        2: (48.0, 51.0, 29.0),
        3: "E",
        4: (2.0, 17.0, 40.0),
    }
    return exif


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width: int, height: int, bit_depth: int, color_type: int, rows: bytes) -> bytes:
    """A PNG from raw scanlines (each already prefixed with its filter byte)."""
    return png_with_idat(width, height, bit_depth, color_type, zlib.compress(rows))


def png_with_idat(width: int, height: int, bit_depth: int, color_type: int, idat: bytes) -> bytes:
    """A PNG whose one data chunk is ``idat`` as given (valid CRCs, whatever the content)."""
    header = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def png_declaring(width: int, height: int) -> bytes:
    """A valid PNG header for width x height RGB, followed by one row of data and the end."""
    return png(width, height, 8, 2, b"\x00" + b"\x80" * 3 * min(width, 64))


def rgb16_png(width: int, height: int) -> bytes:
    """16-bit RGB (Pillow cannot write it): red rising left to right, blue falling."""
    rows = bytearray()
    for _ in range(height):
        rows.append(0)
        for x in range(width):
            level = x * 65535 // (width - 1)
            rows += struct.pack(">HHH", level, 0, 65535 - level)
    return png(width, height, 16, 2, bytes(rows))


def jpeg_declaring(width: int, height: int) -> bytes:
    """A small real JPEG whose frame header (SOF0) is rewritten to claim width x height."""
    data = bytearray(encode(Image.new("RGB", (16, 16), GREEN), "JPEG"))
    sof = data.index(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, height, width)
    return bytes(data)


def jpeg_segments(data: bytes) -> list[int]:
    """The marker of every segment before the scan (0xE0 APP0 ... 0xDA SOS)."""
    assert data[:2] == b"\xff\xd8", "not a JPEG"
    markers = []
    position = 2
    while position < len(data):
        assert data[position] == 0xFF
        marker = data[position + 1]
        markers.append(marker)
        if marker == 0xDA:
            break
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        position += 2 + length
    return markers


def jpeg_scan_bomb(width: int, height: int, repeats: int, mode: str = "L") -> bytes:
    """A progressive JPEG whose last scan is repeated ``repeats`` more times (issue 22).

    Every repeat is a valid refinement scan that libjpeg decodes over the whole coefficient
    buffer, so the decode costs ``repeats`` times a full-frame pass while the file grows by a
    few hundred bytes a repeat.
    """
    data = encode(Image.new(mode, (width, height), 128 if mode == "L" else GREEN), "JPEG", progressive=True)
    last_scan = data.rindex(b"\xff\xda")
    end = data.rindex(b"\xff\xd9")
    return data[:end] + data[last_scan:end] * repeats + data[end:]


def png_in_chunks(width: int, height: int, pieces: int) -> bytes:
    """A real grey PNG whose compressed data is cut into ``pieces`` IDAT chunks, plus as many empty
    ones: Pillow reads it, chunk by chunk, in Python."""
    compressed = zlib.compress(b"".join(b"\x00" + b"\x80" * width for _ in range(height)))
    size = max(1, -(-len(compressed) // pieces))
    chunks = [_chunk(b"IDAT", compressed[i : i + size]) for i in range(0, len(compressed), size)]
    empty = _chunk(b"IDAT", b"") * max(0, pieces - len(chunks))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + b"".join(chunks) + empty + _chunk(b"IEND", b"")

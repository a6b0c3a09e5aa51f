"""Files that would cost far more than their size and pixels justify (SPEC 7, issue 22): refused
from their marker or chunk stream before decoding, and by a deadline while decoding."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from ape_imaging import photos
from ape_imaging.photos import MAX_JPEG_SCANS, PhotoRefused, RefusalReason, check_photo
from tests.unit.imaging.images import encode, jpeg_scan_bomb, noisy, png_in_chunks

# Generous: the point is "bounded", measured on a busy shared machine. Unbounded, the 49 MP bomb
# below costs about two minutes of decoding (45 ms a repeated scan here).
REFUSED_WITHIN_SECONDS = 5.0


def _refusal(path: Path, content_type: str) -> tuple[PhotoRefused, float]:
    """The refusal and the CPU seconds it took: the work done, which a busy machine does not stretch
    as it stretches wall time (the deadline itself is wall time: it lets less work in, never more)."""
    started = time.process_time()
    with pytest.raises(PhotoRefused) as refused:
        check_photo(path, content_type)
    return refused.value, time.process_time() - started


def test_the_49_megapixel_scan_bomb_of_issue_22_is_refused_before_decoding(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.jpg"
    bomb.write_bytes(jpeg_scan_bomb(7000, 7000, 2500))
    assert bomb.stat().st_size < 1_000_000  # a small file: its pixels are under the limit too

    refused, seconds = _refusal(bomb, "image/jpeg")

    assert refused.reason is RefusalReason.TOO_COSTLY
    assert seconds < REFUSED_WITHIN_SECONDS


def test_a_small_jpeg_with_hundreds_of_scans_is_refused_by_its_scan_count(tmp_path: Path) -> None:
    bomb = tmp_path / "small.jpg"
    bomb.write_bytes(jpeg_scan_bomb(64, 64, MAX_JPEG_SCANS))

    refused, _ = _refusal(bomb, "image/jpeg")

    assert refused.reason is RefusalReason.TOO_COSTLY
    assert "scans" in refused.message


@pytest.mark.parametrize("subsampling", [0, 2], ids=["4:4:4", "4:2:0"])
def test_ordinary_progressive_jpegs_of_the_largest_accepted_size_still_pass(subsampling: int, tmp_path: Path) -> None:
    path = tmp_path / "progressive.jpg"
    photo = noisy(700, 700).resize((7000, 7000))
    path.write_bytes(encode(photo, "JPEG", progressive=True, subsampling=subsampling, quality=90))

    assert check_photo(path, "image/jpeg").width == 7000


def test_a_few_repeated_scans_on_a_small_photo_are_within_budget(tmp_path: Path) -> None:
    path = tmp_path / "few.jpg"
    path.write_bytes(jpeg_scan_bomb(800, 600, 10, mode="RGB"))

    assert check_photo(path, "image/jpeg").width == 800


def test_a_png_of_millions_of_chunks_is_refused_by_its_chunk_count(tmp_path: Path) -> None:
    path = tmp_path / "chunks.png"
    path.write_bytes(png_in_chunks(100, 100, 200_000))

    refused, seconds = _refusal(path, "image/png")

    assert refused.reason is RefusalReason.TOO_COSTLY
    assert seconds < REFUSED_WITHIN_SECONDS


def test_a_png_in_many_ordinary_chunks_passes(tmp_path: Path) -> None:
    path = tmp_path / "chunks.png"
    path.write_bytes(png_in_chunks(300, 300, 500))

    assert check_photo(path, "image/png").width == 300


def test_a_decode_that_outlasts_the_deadline_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The backstop for costs no header check foresees: with the header bounds lifted, the same
    bomb is stopped by the deadline between the blocks Pillow reads."""
    monkeypatch.setattr(photos, "MAX_JPEG_SCANS", 10**6)
    monkeypatch.setattr(photos, "MAX_JPEG_SEGMENTS", 10**6)
    monkeypatch.setattr(photos, "MAX_JPEG_SCAN_WORK", 10**15)
    monkeypatch.setattr(photos, "MAX_DECODE_SECONDS", 0.5)
    bomb = tmp_path / "bomb.jpg"
    bomb.write_bytes(jpeg_scan_bomb(3000, 3000, 2500))

    refused, seconds = _refusal(bomb, "image/jpeg")

    assert refused.reason is RefusalReason.TOO_COSTLY
    assert "took over" in refused.message
    assert seconds < 30  # one 64 KB block of scans past the deadline at most

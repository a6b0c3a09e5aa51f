"""What check_photo costs, measured in a fresh interpreter: time, peak memory, what it imports.

Pillow's pixel memory is allocated in C, out of tracemalloc's sight, so peak memory is the child
process's peak RSS (ru_maxrss), compared with the same child's peak after the imports alone.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit.imaging.images import encode, jpeg_declaring, noisy, png_declaring

ROOT = Path(__file__).resolve().parents[3]
IMAGING_LAYER = ROOT / "layers" / "imaging"

CHILD = """
import json, resource, sys, time
import ape_imaging.photos as photos
imported_peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.process_time()  # CPU time: what decoding would cost, whatever else runs
try:
    photo = photos.check_photo(sys.argv[1], sys.argv[2])
    outcome = f"accepted {photo.width}x{photo.height}"
except photos.PhotoRefused as refused:
    outcome = str(refused.reason)
print(json.dumps({
    "outcome": outcome,
    "seconds": time.process_time() - start,
    "growth_mib": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - imported_peak_kib) / 1024,
    "modules": sorted(sys.modules),
}))
"""


def run_child(path: Path, content_type: str) -> dict[str, object]:
    """check_photo on one file in a fresh interpreter that sees only the imaging layer's source."""
    environment = {**os.environ, "PYTHONPATH": str(IMAGING_LAYER)}
    completed = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), content_type],
        capture_output=True,
        text=True,
        env=environment,
        cwd=path.parent,
        check=True,
        timeout=60,
    )
    result: dict[str, object] = json.loads(completed.stdout)
    return result


@pytest.mark.parametrize(("make", "content_type"), [(png_declaring, "image/png"), (jpeg_declaring, "image/jpeg")])
def test_a_small_file_declaring_30000_by_30000_is_refused_fast_in_bounded_memory(
    make: object, content_type: str, tmp_path: Path
) -> None:
    path = tmp_path / "bomb"
    path.write_bytes(make(30000, 30000))  # type: ignore[operator]
    assert path.stat().st_size < 2048

    result = run_child(path, content_type)

    assert result["outcome"] == "too_many_pixels"
    assert isinstance(result["seconds"], float)
    # Decoding 900 megapixels costs many CPU seconds; refusing from the header costs milliseconds.
    # CPU time, with a margin, so a busy machine cannot fail it (how fast it is: `make bench`).
    assert result["seconds"] < 2
    # Decoding it would take 2.5 GiB (RGB, 900 megapixels).
    assert isinstance(result["growth_mib"], float)
    assert result["growth_mib"] < 8


def test_a_twelve_megapixel_jpeg_is_never_decoded_whole(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(encode(noisy(4032, 3024), "JPEG", quality=90))

    result = run_child(path, "image/jpeg")

    assert result["outcome"] == "accepted 4032x3024"
    # Whole, it would be 35 MiB of RGB; at 1/8 scale (504x378) well under 1 MiB.
    assert isinstance(result["growth_mib"], float)
    assert result["growth_mib"] < 12


def test_the_package_imports_neither_boto3_nor_the_api_layer(tmp_path: Path) -> None:
    path = tmp_path / "empty"
    path.write_bytes(b"")
    modules = run_child(path, "image/png")["modules"]
    assert isinstance(modules, list)
    assert "ape_imaging.photos" in modules
    assert not [name for name in modules if name.split(".")[0] in {"boto3", "botocore", "ape_moments"}]

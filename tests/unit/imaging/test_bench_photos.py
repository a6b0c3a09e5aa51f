"""The photo benchmark cannot rot: both sides run on small files and the report renders.

Not a performance test: it asserts on the shape of the results, never on a time.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from devtools.bench import photos
from tests.unit.imaging.images import encode


def test_pipeline_and_floor_handle_the_same_files_and_the_report_renders(tmp_path: Path) -> None:
    sample_image = photos.photo_like((640, 480), seed=3)
    assert len(set(sample_image.resize((8, 8)).get_flattened_data())) > 4, "photo-like, not flat"
    exif = Image.Exif()
    exif[0x0112] = 6
    jpeg = tmp_path / "photo.jpg"
    jpeg.write_bytes(encode(sample_image, "JPEG", quality=90, exif=exif))
    heic = tmp_path / "photo.heic"
    heic.write_bytes(encode(sample_image, "HEIF", quality=60))
    samples = [photos.Sample("JPEG", jpeg, "image/jpeg"), photos.Sample("HEIC", heic, "image/heic")]

    results = {}
    for sample in samples:
        runs = {mode: [photos.run_once(mode, sample)] for mode in ("pipeline", "floor")}
        for measured in runs.values():
            assert measured[0]["cpu_ms"] > 0
            assert measured[0]["peak_mib"] > 10  # an interpreter with Pillow loaded, not the parent's figure
        pipeline, floor = photos.summarise(runs["pipeline"]), photos.summarise(runs["floor"])
        results[sample.name] = {
            "bytes": sample.path.stat().st_size,
            "pipeline": pipeline,
            "floor": floor,
            "cpu_ratio": pipeline["cpu_ms"]["median"] / floor["cpu_ms"]["median"],
            "memory_ratio": pipeline["peak_mib"]["median"] / floor["peak_mib"]["median"],
        }

    report = photos.render(results, {"error": "offline"})
    assert "| JPEG (" in report
    assert "| HEIC (" in report
    assert "CPU" in report
    assert "not measured" in report

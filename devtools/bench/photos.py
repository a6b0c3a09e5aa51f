"""`python -m devtools.bench.photos`: the photo pipeline against a bare Pillow floor, and the layer's size.

For 12-megapixel JPEG and HEIC photos made here (gradients, shapes, grain: photo-like, so the
encoders have real work), each run is one fresh interpreter that imports its code, then handles
one photo: the pipeline is ``ape_imaging.photos.check_photo``; the floor is the least any
thumbnailer must do with Pillow on the same file (open, reduced-size decode, EXIF orientation,
resize, JPEG encode). The child reports the CPU time of that one photo (``time.process_time``:
every thread, so libheif's decoding threads count) and the parent reads the child's peak RSS from
``os.wait4``. Medians are compared with the targets: CPU within 1.2x of the floor, peak memory
within 1.3x.

The imaging layer's unzipped size for arm64 comes from pip installing the pinned requirements
for manylinux2014_aarch64 / CPython 3.13 into a temporary folder (needs the package index).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
IMAGING_LAYER = ROOT / "layers" / "imaging"
PHOTO_SIZE = (4032, 3024)  # 12.2 megapixels, a phone's 4:3 photo
# The wheel tags `sam build` takes for python3.13 on arm64 (glibc 2.34 on Amazon Linux 2023).
# manylinux2014 alone is not enough: Pillow 13 and pillow-heif 1.8 ship manylinux_2_28 wheels only.
ARM64_PLATFORMS = (
    "manylinux2014_aarch64",
    "manylinux_2_17_aarch64",
    "manylinux_2_28_aarch64",
    "manylinux_2_34_aarch64",
)
TIME_TARGET = 1.2
MEMORY_TARGET = 1.3

# One photo in a fresh interpreter. argv: mode, path, content type. Prints JSON.
CHILD = r"""
import json, resource, sys, time
mode, path, content_type = sys.argv[1:4]
if mode == "pipeline":
    from ape_imaging.photos import check_photo
    def handle():
        return len(check_photo(path, content_type).thumbnail)
else:
    import io
    import pillow_heif
    from PIL import Image, ImageOps
    pillow_heif.register_heif_opener()
    def handle():
        image = Image.open(path)
        longest = max(image.size)
        size = tuple(max(1, round(side * 400 / longest)) for side in image.size) if longest > 400 else image.size
        image.draft("RGB", size)
        image = ImageOps.exif_transpose(image)
        if image.width < image.height and size[0] > size[1]:
            size = size[::-1]
        image = image.resize(size, Image.Resampling.LANCZOS).convert("RGB")
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=85)
        return len(buffer.getvalue())
imported_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
cpu, wall = time.process_time(), time.perf_counter()
thumbnail_bytes = handle()
cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
print(json.dumps({"cpu_s": cpu, "wall_s": wall, "imported_kib": imported_kib, "thumbnail_bytes": thumbnail_bytes}))
"""


@dataclass(frozen=True)
class Sample:
    name: str
    path: Path
    content_type: str


def photo_like(size: tuple[int, int], seed: int) -> Any:
    """Sky-like gradient, soft shapes, a sharp edge or two, and sensor grain."""
    from PIL import Image, ImageDraw, ImageFilter

    width, height = size
    sky = Image.merge(
        "RGB",
        (
            Image.linear_gradient("L").resize(size),
            Image.radial_gradient("L").resize(size),
            Image.linear_gradient("L").rotate(90).resize(size),
        ),
    )
    draw = ImageDraw.Draw(sky)
    for index in range(24):
        x = (index * 7919 * (seed + 1)) % width
        y = (index * 104729 + seed * 31) % height
        radius = 80 + (index * 37) % 400
        colour = ((index * 53) % 256, (index * 97 + 60) % 256, (index * 151 + 120) % 256)
        if index % 3:
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=colour)
        else:
            draw.rectangle((x, y, x + radius * 2, y + radius), fill=colour)
    soft = sky.filter(ImageFilter.GaussianBlur(6))
    grain = Image.merge("RGB", [Image.effect_noise(size, 18 + channel).convert("L") for channel in range(3)])
    return Image.blend(soft, grain, 0.12)


def samples(folder: Path) -> list[Sample]:
    return [
        Sample("12 MP JPEG", folder / "photo.jpg", "image/jpeg"),
        Sample("12 MP HEIC", folder / "photo.heic", "image/heic"),
    ]


def make_samples(folder: Path) -> None:
    import pillow_heif
    from PIL import Image

    pillow_heif.register_heif_opener()
    jpeg, heic = (sample.path for sample in samples(folder))
    exif = Image.Exif()
    exif[0x0112] = 6  # phones store portrait photos sideways with an orientation tag
    photo_like(PHOTO_SIZE, 1).save(jpeg, "JPEG", quality=90, exif=exif)
    photo_like(PHOTO_SIZE, 2).save(heic, "HEIF", quality=60)


def run_once(mode: str, sample: Sample) -> dict[str, float]:
    """One photo in a fresh child; its CPU time, wall time and peak RSS."""
    environment = {**os.environ, "PYTHONPATH": str(IMAGING_LAYER)}
    child = subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", CHILD, mode, str(sample.path), sample.content_type],
        stdout=subprocess.PIPE,
        env=environment,
        cwd=sample.path.parent,
    )
    assert child.stdout is not None
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise RuntimeError(f"{mode} on {sample.name} exited {child.returncode}")
    reported = json.loads(output)
    return {
        "cpu_ms": reported["cpu_s"] * 1000,
        "wall_ms": reported["wall_s"] * 1000,
        "peak_mib": usage.ru_maxrss / 1024,  # Linux: KiB
        "work_mib": (usage.ru_maxrss - reported["imported_kib"]) / 1024,
    }


def summarise(runs: list[dict[str, float]]) -> dict[str, dict[str, float]]:
    return {
        key: {"min": min(r[key] for r in runs), "median": statistics.median(r[key] for r in runs)} for key in runs[0]
    }


def measure(runs: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-photos-") as folder:
        # Made in a child: Linux passes a parent's peak RSS on to the children it forks, so this
        # process must stay small for the children's peaks to be their own.
        subprocess.run(  # noqa: S603 - our own interpreter and module
            [
                sys.executable,
                "-c",
                "import sys, pathlib; from devtools.bench.photos import make_samples; "
                "make_samples(pathlib.Path(sys.argv[1]))",
                folder,
            ],
            cwd=ROOT,
            check=True,
            timeout=300,
        )
        for sample in samples(Path(folder)):
            measured: dict[str, list[dict[str, float]]] = {"pipeline": [], "floor": []}
            for _ in range(runs):  # interleaved, so a busy moment hurts both sides alike
                for mode, bucket in measured.items():
                    bucket.append(run_once(mode, sample))
            pipeline, floor = summarise(measured["pipeline"]), summarise(measured["floor"])
            results[sample.name] = {
                "bytes": sample.path.stat().st_size,
                "pipeline": pipeline,
                "floor": floor,
                "cpu_ratio": pipeline["cpu_ms"]["median"] / floor["cpu_ms"]["median"],
                "memory_ratio": pipeline["peak_mib"]["median"] / floor["peak_mib"]["median"],
            }
    return results


def layer_size() -> dict[str, Any]:
    """The imaging layer as `sam build` makes it for arm64: aarch64 wheels plus the package's source."""
    with tempfile.TemporaryDirectory(prefix="bench-imaging-layer-") as folder:
        target = Path(folder) / "python"
        command = [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            *(argument for platform in ARM64_PLATFORMS for argument in ("--platform", platform)),
            "--implementation",
            "cp",
            "--python-version",
            "3.13",
            "--only-binary=:all:",
            "--target",
            str(target),
            "-r",
            str(IMAGING_LAYER / "requirements.txt"),
        ]
        completed = subprocess.run(  # noqa: S603 - our own interpreter's pip
            command, capture_output=True, text=True, check=False, timeout=300
        )
        if completed.returncode != 0:
            return {"error": (completed.stderr.strip().splitlines() or ["pip failed"])[-1]}
        source = IMAGING_LAYER / "ape_imaging"
        files = [p for p in target.rglob("*") if p.is_file()]
        files += list(source.rglob("*.py"))
        unzipped = sum(p.stat().st_size for p in files)
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
            for path in files:
                zipped.write(path, path.relative_to(target if path.is_relative_to(target) else IMAGING_LAYER))
        per_package = {
            name: sum(p.stat().st_size for p in (target / name).rglob("*") if p.is_file())
            for name in ("PIL", "pillow.libs", "pillow_heif", "pillow_heif.libs")
            if (target / name).exists()
        }
        return {"unzipped_bytes": unzipped, "zipped_bytes": archive.tell(), "per_package": per_package}


def render(results: dict[str, Any], size: dict[str, Any] | None) -> str:
    lines = [
        "| photo | | CPU ms min / median | wall ms median | peak RSS MiB median | of which the photo MiB |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, entry in results.items():
        for mode in ("pipeline", "floor"):
            figures = entry[mode]
            lines.append(
                f"| {name} ({entry['bytes'] / 1e6:.1f} MB) | {mode} "
                f"| {figures['cpu_ms']['min']:.0f} / {figures['cpu_ms']['median']:.0f} "
                f"| {figures['wall_ms']['median']:.0f} | {figures['peak_mib']['median']:.1f} "
                f"| {figures['work_mib']['median']:.1f} |"
            )
    lines.append("")
    for name, entry in results.items():
        cpu_ok = "meets" if entry["cpu_ratio"] <= TIME_TARGET else "MISSES"
        memory_ok = "meets" if entry["memory_ratio"] <= MEMORY_TARGET else "MISSES"
        lines.append(
            f"- {name}: CPU {entry['cpu_ratio']:.2f}x the floor ({cpu_ok} {TIME_TARGET}x), "
            f"peak memory {entry['memory_ratio']:.2f}x ({memory_ok} {MEMORY_TARGET}x)"
        )
    if size is not None:
        if "error" in size:
            lines.append(f"- imaging layer size (arm64): not measured, pip could not fetch the wheels: {size['error']}")
        else:
            parts = ", ".join(f"{name} {value / 1e6:.1f}" for name, value in size["per_package"].items())
            lines.append(
                f"- imaging layer (arm64, python3.13): {size['unzipped_bytes'] / 1e6:.1f} MB unzipped, "
                f"{size['zipped_bytes'] / 1e6:.1f} MB zipped ({parts} MB)"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5, help="fresh children per photo and side (default 5)")
    parser.add_argument("--no-layer-size", action="store_true", help="skip the pip install of the arm64 wheels")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    arguments = parser.parse_args()
    results = measure(max(1, arguments.runs))
    size = None if arguments.no_layer_size else layer_size()
    print(render(results, size))
    if arguments.json:
        arguments.json.write_text(json.dumps({"photos": results, "layer": size}, indent=2) + "\n")


if __name__ == "__main__":
    main()

"""`python -m devtools.bench.rendering`: collage and album PDF rendering against a bare floor.

Makes 12-megapixel photo-like JPEGs (gradients plus noise, so they compress like photos), then
runs every case in a fresh child process (``--child CASE``) so each peak memory is its own:
the child measures its work's wall and CPU time and reports its peak RSS (getrusage).

Cases: a GRID_3X3 collage from nine photos, and album PDFs of 10 and 100 photos, each beside
its floor (the same work with nothing but Pillow, resp. img2pdf's JPEG pass-through) and, for
the album, reportlab as the other library measured when choosing (docs/RENDERING.md).
Bounded: RUNS runs a case, at most BUDGET_SECONDS in all.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

PHOTO_SIZE = (4032, 3024)  # 12.2 MP, a phone's 4:3
DISTINCT_PHOTOS = 10  # the albums cycle through these
RUNS = 3
BUDGET_SECONDS = 600
TARGETS = {"collage": 1.2, "album": 1.5}
# reportlab is measured to explain the choice, not against a target: once is enough.
RUNS_AT_MOST = {"album 10 reportlab": 1}


def make_photos(folder: Path) -> list[Path]:
    """Photo-like JPEGs: smooth colour gradients (different per photo) under sensor-like noise."""
    from PIL import Image

    paths = []
    width, height = PHOTO_SIZE
    for index in range(DISTINCT_PHOTOS):
        gradient = Image.linear_gradient("L")
        red = gradient.resize((width, height))
        green = gradient.rotate(90 + 25 * index).resize((width, height))
        blue = Image.radial_gradient("L").resize((width, height))
        base = Image.merge("RGB", (red, green, blue))
        noise = Image.effect_noise((width, height), 28 + index).convert("RGB")
        photo = Image.blend(base, noise, 0.18)
        exif = photo.getexif()
        exif[0x0112] = 6 if index % 4 == 3 else 1  # some taken upright, as phones store them
        path = folder / f"photo{index}.jpg"
        photo.save(path, "JPEG", quality=88, exif=exif)
        paths.append(path)
    return paths


def _opener(path: Path) -> Callable[[], BinaryIO]:
    return lambda: path.open("rb")


def collage(photos: list[Path], out: BinaryIO) -> None:
    from ape_imaging.collage import render_collage

    render_collage("GRID_3X3", [_opener(p) for p in photos[:9]], out)


def collage_floor(photos: list[Path], out: BinaryIO) -> None:
    """The same pixels with nothing else: decode at size, cover-resize, paste, encode."""
    from PIL import Image, ImageOps

    from ape_imaging.collage import SHAPES, Template, layout

    shape = SHAPES[Template.GRID_3X3]
    canvas = Image.new("RGB", (shape.width, shape.height), (255, 255, 255))
    for path, cell in zip(photos[:9], layout(Template.GRID_3X3, 20), strict=True):
        with Image.open(path) as image:
            image.draft("RGB", (cell.width, cell.height))
            canvas.paste(
                ImageOps.fit(image, (cell.width, cell.height), Image.Resampling.LANCZOS), (cell.left, cell.top)
            )
    canvas.save(out, "JPEG", quality=92, dpi=(300, 300), subsampling="4:4:4")


def _album_photos(photos: list[Path], count: int) -> list[Path]:
    return [photos[i % len(photos)] for i in range(count)]


def album(photos: list[Path], out: BinaryIO, count: int) -> None:
    from ape_imaging.album_pdf import write_album_pdf

    write_album_pdf(
        out,
        name="Benchmark album",
        description="Photos made by the benchmark: gradients under noise.",
        photos=[_opener(p) for p in _album_photos(photos, count)],
    )


def album_floor(photos: list[Path], out: BinaryIO, count: int) -> None:
    """img2pdf: each JPEG embedded as is, fitted in the same margins (no cover page)."""
    import img2pdf

    layout_fun = img2pdf.get_layout_fun(
        pagesize=(img2pdf.in_to_pt(8), img2pdf.in_to_pt(10)),
        border=(img2pdf.in_to_pt(0.25), img2pdf.in_to_pt(0.25)),
        fit=img2pdf.FitMode.into,
    )
    img2pdf.convert([str(p) for p in _album_photos(photos, count)], layout_fun=layout_fun, outputstream=out)


def album_reportlab(photos: list[Path], out: BinaryIO, count: int) -> None:
    """reportlab, the pure-Python candidate: drawImage embeds a JPEG as is (no orientation)."""
    from PIL import Image
    from reportlab.pdfgen.canvas import Canvas

    canvas = Canvas(out, pagesize=(576, 720))
    canvas.drawString(72, 500, "Benchmark album")
    canvas.showPage()
    for path in _album_photos(photos, count):
        with Image.open(path) as image:
            width, height = image.size
        scale = min(540 / width, 684 / height)
        drawn_w, drawn_h = width * scale, height * scale
        canvas.drawImage(str(path), (576 - drawn_w) / 2, (720 - drawn_h) / 2, drawn_w, drawn_h)
        canvas.showPage()
    canvas.save()


CASES: dict[str, tuple[str, Callable[[list[Path], BinaryIO], None]]] = {
    "collage": ("collage", collage),
    "collage floor (Pillow)": ("collage", collage_floor),
    "album 10": ("album", lambda p, o: album(p, o, 10)),
    "album 10 floor (img2pdf)": ("album", lambda p, o: album_floor(p, o, 10)),
    "album 10 reportlab": ("album", lambda p, o: album_reportlab(p, o, 10)),
    "album 100": ("album", lambda p, o: album(p, o, 100)),
    "album 100 floor (img2pdf)": ("album", lambda p, o: album_floor(p, o, 100)),
}


def peak_rss_mb() -> float:
    """This process's peak RSS. VmHWM restarts at exec, while getrusage's ru_maxrss keeps the
    forking parent's peak, so Linux's figure is preferred."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(case: str, folder: Path) -> dict[str, Any]:
    """One run of one case in this fresh process; the output goes to a file like /tmp's."""
    photos = sorted(folder.glob("photo*.jpg"))
    baseline_mb = peak_rss_mb()
    output = folder / "output.bin"
    wall, cpu = time.perf_counter(), time.process_time()
    with output.open("wb") as out:
        CASES[case][1](photos, out)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    size = output.stat().st_size
    output.unlink()
    return {"wall": wall, "cpu": cpu, "peak_mb": peak_rss_mb(), "baseline_mb": baseline_mb, "bytes": size}


def run_case(case: str, folder: Path) -> dict[str, Any]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(["layers/imaging", "."])}
    done = subprocess.run(  # noqa: S603  (this module, a case name from CASES)
        [sys.executable, "-m", "devtools.bench.rendering", "--child", case, str(folder)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        timeout=BUDGET_SECONDS,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    result: dict[str, Any] = json.loads(done.stdout)
    # The whole child (interpreter start and imports too), from the parent's side.
    result["process_cpu"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", nargs=2, metavar=("CASE", "FOLDER"))
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--only", nargs="*", help="case names to run (default: all)")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], Path(args.child[1]))))
        return
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-rendering-") as tmp:
        folder = Path(tmp)
        photos = make_photos(folder)
        sizes = [p.stat().st_size for p in photos]
        average_mb = statistics.mean(sizes) / 1e6
        print(f"{len(photos)} photos {PHOTO_SIZE[0]}x{PHOTO_SIZE[1]}, {average_mb:.1f} MB each on average")
        results: dict[str, dict[str, Any]] = {}
        # reportlab only explains the library choice (docs/RENDERING.md): measured where installed.
        default = [c for c in CASES if "reportlab" not in c or importlib.util.find_spec("reportlab")]
        for case in args.only or default:
            runs: list[dict[str, Any]] = []
            for _ in range(max(1, min(args.runs, RUNS_AT_MOST.get(case, args.runs)))):
                if runs and time.monotonic() - started > BUDGET_SECONDS:
                    break
                runs.append(run_case(case, folder))
            results[case] = {
                key: statistics.median(r[key] for r in runs) for key in ("wall", "cpu", "process_cpu", "bytes")
            } | {"peak_mb": max(r["peak_mb"] for r in runs), "baseline_mb": runs[0]["baseline_mb"], "runs": len(runs)}
    print(report(results))


def report(results: dict[str, dict[str, Any]]) -> str:
    lines = [
        "| case | runs | wall s | CPU s | peak RSS MB (at start) | output MB | vs floor (CPU) |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for case, row in results.items():
        floor_name = {
            "collage": "collage floor (Pillow)",
            "album 10": "album 10 floor (img2pdf)",
            "album 100": "album 100 floor (img2pdf)",
        }.get(case)
        ratio = ""
        if floor_name in results:
            kind = CASES[case][0]
            value = row["cpu"] / results[floor_name]["cpu"]
            wall = row["wall"] / results[floor_name]["wall"]
            verdict = "met" if value <= TARGETS[kind] else "MISSED"
            ratio = f"{value:.2f}x (target {TARGETS[kind]}x: {verdict}; wall {wall:.2f}x)"
        lines.append(
            f"| {case} | {row['runs']} | {row['wall']:.2f} | {row['cpu']:.2f}"
            f" | {row['peak_mb']:.0f} ({row['baseline_mb']:.0f}) | {row['bytes'] / 1e6:.1f} | {ratio} |"
        )
    if "album 10" in results and "album 100" in results:
        growth = results["album 100"]["peak_mb"] - results["album 10"]["peak_mb"]
        lines.append("")
        lines.append(f"Album peak memory from 10 to 100 photos: {growth:+.1f} MB (target: flat)")
    return "\n".join(lines)


if __name__ == "__main__":
    main()

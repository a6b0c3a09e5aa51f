"""Size of the built layer and functions (.aws-sam/build after `make build`), unzipped and zipped.

Zipped is what ``sam package`` would upload: every file deflated into one archive (built in
memory here, the default compression level). Lambda's limit is 250 MB unzipped for a function
and all its layers together.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from devtools.bench.stack import ROOT

BUILD = ROOT / ".aws-sam" / "build"
LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024


@dataclass
class Size:
    name: str
    unzipped: int
    zipped: int
    files: int


def measure_dir(path: Path) -> Size:
    files = sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for file in files:
            archive.write(file, file.relative_to(path).as_posix())
    return Size(path.name, sum(f.stat().st_size for f in files), len(buffer.getvalue()), len(files))


def measure(names: list[str], layer: str = "SharedLayer") -> tuple[Size | None, dict[str, Size | None]]:
    """The layer and each named function's build folder (None where it has not been built)."""
    layer_dir = BUILD / layer
    layer_size = measure_dir(layer_dir) if layer_dir.is_dir() else None
    functions = {name: measure_dir(BUILD / name) if (BUILD / name).is_dir() else None for name in names}
    return layer_size, functions


def human(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size} B"

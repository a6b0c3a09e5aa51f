"""`python -m devtools.crossings` cannot rot: one request measured against moto, its files real.

Not a count test: it asserts on what any correct measurement shows, never on a number of files.
"""

from __future__ import annotations

from devtools.bench.stack import ROOT, functions
from devtools.crossings import REQUESTS, measure, report


def test_update_album_crosses_real_files_of_ours_starting_at_its_handler() -> None:
    results = measure(["updateAlbum"])
    measured = results["updateAlbum"]
    files = measured.fresh.sorted_files
    assert files, "no file of ours ran during the request"
    for path in files:
        assert path.split("/")[0] in {"layers", "src"}, path
        assert (ROOT / path).is_file(), path
    request = next(r for r in REQUESTS if r.name == "updateAlbum")
    spec = next(s for s in functions() if s.logical_id == request.function)
    # The handler's own module ran, and the request reached the shared layer.
    assert spec.module_file.relative_to(ROOT).as_posix() in files
    assert any(path.startswith("layers/shared/ape_moments/") for path in files)
    # A warm request runs no file the fresh one did not need, bar none.
    assert measured.warm.files
    assert set(measured.warm.files) <= set(files)
    assert f"updateAlbum (AlbumsFunction): {len(files)} files" in report(results)

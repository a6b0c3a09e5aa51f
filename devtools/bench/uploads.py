"""Upload to listed through the local stack: presign, PUT the photo, poll until it is listed (p50, p95).

The demo customer creates one album; each upload asks ``presignAlbumUpload`` for a URL, PUTs a
12 MP JPEG (a phone photo's size) through it, and polls ``listAlbumPhotos`` until the photo is
there: S3's event reaches the upload events function (the stack delivers it as S3 does), which
decodes and checks the photo (the imaging layer), writes its thumbnail and lists it. The time
runs from the presign request to the first listing that holds the photo; polls are 50 ms apart,
so a figure is at most 50 ms late. Bounded: ``UPLOADS`` photos (and ``WARMUP`` first ones not
counted, which pay the workers' cold starts), each given ``LISTED_TIMEOUT_SECONDS``; loopback only.
"""

from __future__ import annotations

import io
import ssl
import statistics
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from devtools.bench.report import percentile
from devtools.bench.throughput import _Client, _sign_in, _Stack, available

UPLOADS = 20
WARMUP = 2
POLL_SECONDS = 0.05
LISTED_TIMEOUT_SECONDS = 60
PHOTO_SIZE = (4000, 3000)  # 12 MP

CREATE_ALBUM = 'mutation { createAlbum(input: {name: "Bench uploads"}) { albumId } }'
PRESIGN = """
mutation($id: ID!, $name: String!, $type: String!, $size: Int) {
  presignAlbumUpload(albumId: $id, fileName: $name, contentType: $type, fileSize: $size) { presignedUrl s3Key }
}"""
LIST = "query($id: ID!) { listAlbumPhotos(albumId: $id, limit: 100) { items { key } } }"


def photo(size: tuple[int, int] = PHOTO_SIZE) -> bytes:
    """A JPEG with a photo's entropy (noise over a gradient), made here; 12 MP unless told."""
    from PIL import Image

    width, height = size
    noise = Image.effect_noise((width, height), 40).convert("RGB")
    gradient = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    out = io.BytesIO()
    Image.blend(noise, gradient, 0.5).save(out, "JPEG", quality=88)
    return out.getvalue()


def _put(url: str, body: bytes, context: ssl.SSLContext | None) -> None:
    if urlsplit(url).hostname not in {"127.0.0.1", "localhost"}:
        raise RuntimeError(f"refusing to upload anywhere but loopback: {url}")
    request = urllib.request.Request(url, data=body, method="PUT", headers={"Content-Type": "image/jpeg"})  # noqa: S310 - loopback checked above
    with urllib.request.urlopen(request, timeout=60, context=context) as response:  # noqa: S310
        if response.status != 200:
            raise RuntimeError(f"PUT answered {response.status}")


def _upload_and_wait(client: _Client, album_id: str, body: bytes, index: int, context: ssl.SSLContext | None) -> float:
    started = time.perf_counter()
    variables = {"id": album_id, "name": f"booth-{index}.jpg", "type": "image/jpeg", "size": len(body)}
    upload = client.call(PRESIGN, variables)["presignAlbumUpload"]
    _put(upload["presignedUrl"], body, context)
    deadline = time.monotonic() + LISTED_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        items = client.call(LIST, {"id": album_id})["listAlbumPhotos"]["items"]
        if any(item["key"] == upload["s3Key"] for item in items):
            return (time.perf_counter() - started) * 1000
        time.sleep(POLL_SECONDS)
    raise RuntimeError(f"upload {index} not listed within {LISTED_TIMEOUT_SECONDS} s")


def listed_photo(client: _Client, state: dict[str, Any], *, size: tuple[int, int] = (1600, 1200)) -> str:
    """A photo of the signed-in customer's, uploaded and listed: what an order names (SPEC 9)."""
    context = ssl.create_default_context(cafile=state["caCertificate"]) if state.get("caCertificate") else None
    album_id = client.call(CREATE_ALBUM)["createAlbum"]["albumId"]
    body = photo(size)
    variables = {"id": album_id, "name": "booth.jpg", "type": "image/jpeg", "size": len(body)}
    upload = client.call(PRESIGN, variables)["presignAlbumUpload"]
    _put(upload["presignedUrl"], body, context)
    deadline = time.monotonic() + LISTED_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        items = client.call(LIST, {"id": album_id})["listAlbumPhotos"]["items"]
        if any(item["key"] == upload["s3Key"] for item in items):
            return str(upload["s3Key"])
        time.sleep(POLL_SECONDS)
    raise RuntimeError(f"the order's photo was not listed within {LISTED_TIMEOUT_SECONDS} s")


def measure(uploads: int = UPLOADS) -> dict[str, Any] | str:
    reason = available()
    if reason:
        return reason
    body = photo()
    latencies: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-uploads-") as workdir:
        stack = _Stack(Path(workdir))
        try:
            state = stack.wait()
            context = ssl.create_default_context(cafile=state["caCertificate"]) if state.get("caCertificate") else None
            client = _Client(state["graphqlUrl"], _sign_in(state))
            album_id = client.call(CREATE_ALBUM)["createAlbum"]["albumId"]
            for index in range(WARMUP + uploads):
                took = _upload_and_wait(client, album_id, body, index, context)
                if index >= WARMUP:
                    latencies.append(took)
            client.close()
        except Exception as error:
            return f"not measured: {type(error).__name__}: {error}"
        finally:
            stack.stop()
    latencies.sort()
    figures = {
        "uploads": len(latencies),
        "photo_bytes": len(body),
        "p50_ms": statistics.median(latencies),
        "p95_ms": percentile(latencies, 0.95),
        "max_ms": latencies[-1],
    }
    print(
        f"upload to listed (local stack): p50 {figures['p50_ms']:.0f} ms, p95 {figures['p95_ms']:.0f} ms, "
        f"max {figures['max_ms']:.0f} ms over {figures['uploads']} uploads of {len(body) / 1e6:.1f} MB"
    )
    return figures

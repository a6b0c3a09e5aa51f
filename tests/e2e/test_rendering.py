"""Rendering end to end on the local stack (SPEC 8): photos uploaded through presigned URLs and
accepted by the upload pipeline, the owner submits, the table's stream (filtered as the template
says) reaches the dispatcher, the render queue the renderer; the output is read back through the
presigned URL the API hands out, pixel by pixel or page by page."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
import requests
from PIL import Image
from pypdf import PdfReader

from tests.e2e.conftest import Caller, eventually

pytestmark = pytest.mark.e2e

RENDER_TIMEOUT = 240  # stream poll, queue poll, a cold renderer: seconds idle, minutes on a busy machine (a margin)
COLOURS = [(220, 30, 30), (30, 200, 40), (30, 40, 220), (240, 220, 20)]

CREATE_COLLAGE = """
mutation($name: String!, $metadata: AWSJSON) {
  createCollage(input: {name: $name, template: GRID_2X2, metadata: $metadata}) { collageId status }
}"""
PRESIGN_COLLAGE = """
mutation($id: ID!, $name: String!, $size: Int) {
  presignCollageUpload(collageId: $id, fileName: $name, contentType: "image/jpeg", fileSize: $size) {
    presignedUrl s3Key
  }
}"""
LIST_COLLAGE_PHOTOS = "query($id: ID!) { listCollagePhotos(collageId: $id, limit: 10) { items { key } } }"
UPDATE_COLLAGE = """
mutation($id: ID!, $sources: AWSJSON, $status: CollageStatus) {
  updateCollage(input: {collageId: $id, sourceImages: $sources, status: $status}) {
    status errorMessage outputImageUrl
  }
}"""
GET_COLLAGE = "query($id: ID!) { getCollage(collageId: $id) { status errorMessage outputImageUrl } }"
CREATE_ALBUM = """
mutation { createAlbum(input: {name: "Summer at the lake", description: "Two days by the water"}) { albumId } }"""
PRESIGN_ALBUM = """
mutation($id: ID!, $name: String!, $size: Int) {
  presignAlbumUpload(albumId: $id, fileName: $name, contentType: "image/jpeg", fileSize: $size) { presignedUrl s3Key }
}"""
GET_ALBUM = "query($id: ID!) { getAlbum(albumId: $id) { status imageCount errorMessage pdfUrl } }"
UPDATE_ALBUM = (
    "mutation($id: ID!, $status: AlbumStatus) { updateAlbum(input: {albumId: $id, status: $status}) { status } }"
)


def solid_jpeg(colour: tuple[int, int, int], size: tuple[int, int] = (640, 480)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG", quality=95)
    return out.getvalue()


def close_to(pixel: Any, colour: tuple[int, int, int], tolerance: int = 10) -> bool:
    return all(abs(int(a) - b) <= tolerance for a, b in zip(pixel, colour, strict=True))


def upload(caller: Caller, mutation: str, item_id: str, images: list[bytes]) -> list[str]:
    keys = []
    for n, data in enumerate(images):
        signed = caller.graphql(mutation, {"id": item_id, "name": f"shot-{n}.jpg", "size": len(data)}).data
        presigned = next(iter(signed.values()))
        response = requests.put(
            presigned["presignedUrl"], data=data, headers={"Content-Type": "image/jpeg"}, timeout=60
        )
        assert response.status_code == 200
        keys.append(presigned["s3Key"])
    return keys


def collage_with_photos(caller: Caller, metadata: dict[str, Any] | None = None) -> tuple[str, list[str]]:
    variables = {"name": "Booth night", "metadata": json.dumps(metadata) if metadata else None}
    collage_id = caller.graphql(CREATE_COLLAGE, variables).data["createCollage"]["collageId"]
    keys = upload(caller, PRESIGN_COLLAGE, collage_id, [solid_jpeg(c) for c in COLOURS])

    def all_listed() -> bool:
        listed = caller.graphql(LIST_COLLAGE_PHOTOS, {"id": collage_id}).data["listCollagePhotos"]["items"]
        return {photo["key"] for photo in listed} == set(keys)

    assert eventually(all_listed, timeout=30), "the upload pipeline did not accept the photos"
    return collage_id, keys


def finished(caller: Caller, query: str, variables: dict[str, Any], field: str) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        item = caller.graphql(query, variables).data[field]
        return item if item["status"] != "PROCESSING" else None

    item = eventually(done, timeout=RENDER_TIMEOUT, interval=0.5)
    assert item, f"{field} stayed in PROCESSING"
    return dict(item)


def test_a_submitted_collage_renders_end_to_end(customer_caller: Caller) -> None:
    collage_id, keys = collage_with_photos(customer_caller, {"gutter": 40, "background": "#000000"})
    submitted = customer_caller.graphql(
        UPDATE_COLLAGE, {"id": collage_id, "sources": json.dumps(keys), "status": "PROCESSING"}
    ).data["updateCollage"]
    assert (submitted["status"], submitted["outputImageUrl"]) == ("PROCESSING", None)

    collage = finished(customer_caller, GET_COLLAGE, {"id": collage_id}, "getCollage")
    assert (collage["status"], collage["errorMessage"]) == ("COMPLETED", None)
    assert collage["outputImageUrl"].startswith(customer_caller.stack.description["mediaUrl"] + "/renders/collages/")
    response = requests.get(collage["outputImageUrl"], timeout=60)  # the stack's /media, signed (SPEC 16)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    image = Image.open(io.BytesIO(response.content))
    assert (image.format, image.size) == ("JPEG", (2400, 2400))
    # Cells of (2400 - 3 * 40) // 2 = 1140 px, row by row, framed in black.
    for (row, column), colour in zip([(0, 0), (0, 1), (1, 0), (1, 1)], COLOURS, strict=True):
        centre = (40 + column * 1180 + 570, 40 + row * 1180 + 570)
        assert close_to(image.getpixel(centre), colour), centre
    assert close_to(image.getpixel((20, 20)), (0, 0, 0))
    assert close_to(image.getpixel((1200, 600)), (0, 0, 0))
    # The output is no upload: the collage's photos are still exactly the four.
    listed = customer_caller.graphql(LIST_COLLAGE_PHOTOS, {"id": collage_id}).data["listCollagePhotos"]["items"]
    assert sorted(photo["key"] for photo in listed) == sorted(keys)


def test_a_source_gone_when_the_renderer_reads_it_ends_failed_with_the_reason(customer_caller: Caller) -> None:
    collage_id, keys = collage_with_photos(customer_caller)
    # Still a listed photo (its record stays), so the submission is accepted; its bytes are gone
    # by the time the renderer opens it.
    customer_caller.stack.client("s3").delete_object(Bucket=customer_caller.stack.bucket, Key=keys[3])
    submitted = customer_caller.graphql(
        UPDATE_COLLAGE, {"id": collage_id, "sources": json.dumps(keys), "status": "PROCESSING"}
    ).data["updateCollage"]
    assert submitted["status"] == "PROCESSING"
    collage = finished(customer_caller, GET_COLLAGE, {"id": collage_id}, "getCollage")
    assert collage == {
        "status": "FAILED",
        "errorMessage": "photo 4 could not be read: it could not be opened",
        "outputImageUrl": None,
    }


def test_a_submitted_album_becomes_a_pdf_end_to_end(customer_caller: Caller) -> None:
    album_id = customer_caller.graphql(CREATE_ALBUM).data["createAlbum"]["albumId"]
    upload(customer_caller, PRESIGN_ALBUM, album_id, [solid_jpeg(c, (800, 600)) for c in COLOURS[:3]])

    def counted() -> bool:
        return customer_caller.graphql(GET_ALBUM, {"id": album_id}).data["getAlbum"]["imageCount"] == 3

    assert eventually(counted, timeout=30)
    customer_caller.graphql(UPDATE_ALBUM, {"id": album_id, "status": "READY"})
    assert (
        customer_caller.graphql(UPDATE_ALBUM, {"id": album_id, "status": "PROCESSING"}).data["updateAlbum"]["status"]
        == "PROCESSING"
    )

    album = finished(customer_caller, GET_ALBUM, {"id": album_id}, "getAlbum")
    assert (album["status"], album["errorMessage"]) == ("COMPLETED", None)
    assert "/media/renders/albums/" in album["pdfUrl"]
    response = requests.get(album["pdfUrl"], timeout=60)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content), strict=True)
    assert len(reader.pages) == 4
    assert {(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages} == {(576.0, 720.0)}
    cover = reader.pages[0].extract_text()
    assert "Summer at the lake" in cover
    assert "Two days by the water" in cover
    assert [len(page.images) for page in reader.pages] == [0, 1, 1, 1]

"""Submit, stream, dispatch, queue, render, read back: the outputs looked at pixel by pixel and
page by page, and every failure path ending in a state the owner can act on (SPEC 8)."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from PIL import Image
from pypdf import PdfReader

from ape_imaging.collage import Template, layout
from ape_moments.changes import decode
from ape_moments.media.renders import GAVE_UP_MESSAGE
from ape_moments.reactions.render import submission_of
from ape_moments.reactions.wiring import COLLAGES
from ape_moments.table import Condition
from tests.conftest import BUCKET, FakeContext, load_handler, owner_of
from tests.unit.media.helpers import albums, collages
from tests.unit.rendering.conftest import Colour, Flow, solid_jpeg

COLOURS: list[Colour] = [
    (220, 30, 30), (30, 200, 40), (30, 40, 220), (240, 220, 20), (200, 30, 200),
    (20, 210, 210), (250, 140, 10), (120, 60, 20), (90, 90, 90),
]  # fmt: skip
SIZES = {"GRID_2X2": (2400, 2400), "GRID_3X3": (2400, 2400), "STRIP_1X4": (600, 1800), "SINGLE": (1800, 1200)}
COUNTS = {"GRID_2X2": 4, "GRID_3X3": 9, "STRIP_1X4": 4, "SINGLE": 1}


def close_to(pixel: Any, colour: Colour, tolerance: int = 10) -> bool:
    return all(abs(int(a) - b) <= tolerance for a, b in zip(pixel, colour, strict=True))


def submit_collage(
    flow: Flow, owner: dict[str, Any], template: str, images: list[bytes], metadata: dict[str, Any] | None = None
) -> tuple[str, list[str]]:
    arguments: dict[str, Any] = {"name": "Booth", "template": template}
    if metadata is not None:
        arguments["metadata"] = json.dumps(metadata)
    collage = flow.call("createCollage", {"input": arguments}, owner)
    keys = flow.upload(collage["s3Prefix"], owner_of(owner), images)
    submitted = flow.call(
        "updateCollage",
        {"input": {"collageId": collage["collageId"], "sourceImages": json.dumps(keys), "status": "PROCESSING"}},
        owner,
    )
    assert submitted["status"] == "PROCESSING"
    assert submitted["outputImageUrl"] is None
    return str(collage["collageId"]), keys


def submit_album(flow: Flow, owner: dict[str, Any], images: list[bytes], description: str | None = "Two days") -> str:
    album = flow.call("createAlbum", {"input": {"name": "Summer at the lake", "description": description}}, owner)
    flow.upload(album["s3Prefix"], owner_of(owner), images)
    albums().update(album["albumId"], {"imageCount": len(images)}, when=Condition())
    flow.call("updateAlbum", {"input": {"albumId": album["albumId"], "status": "READY"}}, owner)
    submitted = flow.call("updateAlbum", {"input": {"albumId": album["albumId"], "status": "PROCESSING"}}, owner)
    assert submitted["status"] == "PROCESSING"
    return str(album["albumId"])


def collage_output(collage_id: str) -> str:
    """The output key the renderer recorded: renders/collages/{id}/{renderId}/collage.jpg."""
    stored = collages().get(collage_id)
    assert stored is not None
    assert stored.output_key is not None
    return stored.output_key


def album_output(album_id: str) -> str:
    stored = albums().get(album_id)
    assert stored is not None
    assert stored.pdf_key is not None
    return stored.pdf_key


# ---- collages --------------------------------------------------------------------------------------


@pytest.mark.parametrize("template", list(COUNTS))
def test_a_submitted_collage_is_rendered_cell_by_cell_in_source_order(flow: Flow, customer: Any, template: str) -> None:
    count = COUNTS[template]
    collage_id, _ = submit_collage(flow, customer, template, [solid_jpeg(c) for c in COLOURS[:count]])
    assert len(flow.dispatch()) == 1  # the stream's one transition into PROCESSING
    assert flow.render_next() == {"batchItemFailures": []}

    collage = flow.call("getCollage", {"collageId": collage_id}, customer)
    assert collage["status"] == "COMPLETED"
    assert collage["errorMessage"] is None
    assert f"/{collage_output(collage_id)}?" in collage["outputImageUrl"]
    assert collage_output(collage_id).startswith(f"renders/collages/{collage_id}/")
    image = Image.open(io.BytesIO(flow.output(collage_output(collage_id))))
    assert (image.format, image.mode, image.size) == ("JPEG", "RGB", SIZES[template])
    assert image.info["dpi"] == (300, 300)
    assert "exif" not in image.info
    cells = layout(Template(template), 20)
    for cell, colour in zip(cells, COLOURS, strict=False):
        centre = (cell.left + cell.width // 2, cell.top + cell.height // 2)
        assert close_to(image.getpixel(centre), colour), (template, centre)
    assert close_to(image.getpixel((5, 5)), (255, 255, 255))  # the default white frame
    first = cells[0]
    between = (first.left + first.width + 10, first.top + 10) if len(cells) > 1 and template != "STRIP_1X4" else None
    if between:
        assert close_to(image.getpixel(between), (255, 255, 255))  # the inner gutter


def test_gutter_and_background_come_from_the_metadata(flow: Flow, customer: Any) -> None:
    metadata = {"gutter": 60, "background": "#102030"}
    collage_id, _ = submit_collage(flow, customer, "GRID_2X2", [solid_jpeg(c) for c in COLOURS[:4]], metadata)
    flow.dispatch()
    flow.render_next()
    image = Image.open(io.BytesIO(flow.output(collage_output(collage_id))))
    cells = layout(Template.GRID_2X2, 60)
    assert cells[0].left == 60
    assert close_to(image.getpixel((30, 30)), (0x10, 0x20, 0x30))
    assert close_to(image.getpixel((cells[0].left + cells[0].width + 30, 1200)), (0x10, 0x20, 0x30))
    assert close_to(image.getpixel((cells[3].left + 5, cells[3].top + 5)), COLOURS[3])


def test_an_exif_rotated_source_is_drawn_upright(flow: Flow, customer: Any) -> None:
    # Stored 400x800 (top red, bottom blue) with orientation 6: shown turned a quarter clockwise,
    # 800x400 with red on the right. The SINGLE cell (3:2) keeps both halves.
    stored = Image.new("RGB", (400, 800), (30, 40, 220))
    stored.paste((220, 30, 30), (0, 0, 400, 400))
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6
    stored.save(out, "JPEG", quality=95, exif=exif.tobytes())
    collage_id, _ = submit_collage(flow, customer, "SINGLE", [out.getvalue()], {"gutter": 0})
    flow.dispatch()
    flow.render_next()
    image = Image.open(io.BytesIO(flow.output(collage_output(collage_id))))
    assert close_to(image.getpixel((1500, 600)), (220, 30, 30))  # right: the stored top
    assert close_to(image.getpixel((300, 600)), (30, 40, 220))


def test_a_redelivered_request_makes_the_same_single_output(flow: Flow, customer: Any) -> None:
    collage_id, _ = submit_collage(flow, customer, "GRID_2X2", [solid_jpeg(c) for c in COLOURS[:4]])
    (record,) = flow.dispatch()
    request = submission_of(decode(record, COLLAGES))
    assert request is not None
    assert request.render_id is not None  # the submission's updatedAt: redeliveries write one key
    message = request.model_dump_json()
    flow.render_next()
    first = flow.output(collage_output(collage_id))
    completed = collages().get(collage_id)
    # The same message again (SQS delivers at least once): the COMPLETED collage is left as is.
    flow.aws.sqs.send_message(QueueUrl=flow.queue_url, MessageBody=message)
    flow.render_next()
    assert collages().get(collage_id) == completed
    # A redelivery after a crash between the output and the status write renders again, over it.
    collages().update(collage_id, {"status": "PROCESSING"}, when=Condition())
    flow.aws.sqs.send_message(QueueUrl=flow.queue_url, MessageBody=message)
    flow.render_next()
    assert collages().get(collage_id).status == "COMPLETED"  # type: ignore[union-attr]
    listed = flow.aws.s3.list_objects_v2(Bucket=BUCKET, Prefix="renders/")["Contents"]
    assert [o["Key"] for o in listed] == [collage_output(collage_id)]
    assert flow.output(collage_output(collage_id)) == first


def test_a_source_deleted_after_submission_fails_the_collage_with_a_reason(flow: Flow, customer: Any) -> None:
    collage_id, keys = submit_collage(flow, customer, "GRID_2X2", [solid_jpeg(c) for c in COLOURS[:4]])
    flow.aws.s3.delete_object(Bucket=BUCKET, Key=keys[1])
    flow.dispatch()
    assert flow.render_next() == {"batchItemFailures": []}  # the owner's to fix: not retried
    collage = flow.call("getCollage", {"collageId": collage_id}, customer)
    assert collage["status"] == "FAILED"
    assert collage["errorMessage"] == "photo 2 could not be read: it could not be opened"
    assert collage["outputImageUrl"] is None
    assert flow.keys_under("renders/") == []
    # FAILED -> DRAFT -> PROCESSING: fixed and submitted again, it renders.
    flow.aws.s3.put_object(Bucket=BUCKET, Key=keys[1], Body=solid_jpeg(COLOURS[1]))
    flow.call("updateCollage", {"input": {"collageId": collage_id, "status": "DRAFT"}}, customer)
    again = flow.call("updateCollage", {"input": {"collageId": collage_id, "status": "PROCESSING"}}, customer)
    assert again["errorMessage"] is None
    assert len(flow.dispatch()) == 1
    flow.render_next()
    assert flow.call("getCollage", {"collageId": collage_id}, customer)["status"] == "COMPLETED"


def test_a_corrupt_source_fails_the_collage_with_a_reason(flow: Flow, customer: Any) -> None:
    images = [solid_jpeg(c) for c in COLOURS[:4]]
    images[2] = b"\xff\xd8\xff\xe0 this is not really a JPEG"
    collage_id, _ = submit_collage(flow, customer, "GRID_2X2", images)
    flow.dispatch()
    flow.render_next()
    stored = collages().get(collage_id)
    assert stored is not None
    assert (stored.status, stored.error_message) == ("FAILED", "photo 3 could not be read: it is not a supported image")


def test_bad_metadata_fails_the_collage_with_a_reason(flow: Flow, customer: Any) -> None:
    collage_id, _ = submit_collage(flow, customer, "SINGLE", [solid_jpeg(COLOURS[0])], {"background": "gold"})
    flow.dispatch()
    flow.render_next()
    stored = collages().get(collage_id)
    assert stored is not None
    assert (stored.status, stored.error_message) == ("FAILED", "background must be a colour written #RRGGBB")


def test_deleting_a_completed_collage_deletes_its_output(flow: Flow, customer: Any) -> None:
    collage_id, _ = submit_collage(flow, customer, "SINGLE", [solid_jpeg(COLOURS[0])])
    flow.dispatch()
    flow.render_next()
    assert flow.keys_under(f"renders/collages/{collage_id}/") == [collage_output(collage_id)]
    flow.call("deleteCollage", {"input": {"collageId": collage_id}}, customer)
    assert flow.keys_under(f"renders/collages/{collage_id}/") == []


# ---- albums -----------------------------------------------------------------------------------------


def test_a_submitted_album_becomes_a_pdf_page_by_page(flow: Flow, customer: Any) -> None:
    album_id = submit_album(flow, customer, [solid_jpeg(c, (800, 600)) for c in COLOURS[:3]])
    assert len(flow.dispatch()) == 1
    assert flow.render_next() == {"batchItemFailures": []}
    album = flow.call("getAlbum", {"albumId": album_id}, customer)
    assert album["status"] == "COMPLETED"
    assert f"/{album_output(album_id)}?" in album["pdfUrl"]
    assert album_output(album_id).startswith(f"renders/albums/{album_id}/")
    reader = PdfReader(io.BytesIO(flow.output(album_output(album_id))), strict=True)
    assert len(reader.pages) == 4  # the cover, then one page a photo
    for page in reader.pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == (576.0, 720.0)
    cover = reader.pages[0].extract_text()
    assert "Summer at the lake" in cover
    assert "Two days" in cover
    assert len(reader.pages[0].images) == 0
    for page, colour in zip(reader.pages[1:], COLOURS, strict=False):
        (image,) = page.images
        assert close_to(image.image.convert("RGB").getpixel((400, 300)), colour)
    # Deleting the album deletes its PDF.
    flow.call("deleteAlbum", {"input": {"albumId": album_id}}, customer)
    assert flow.keys_under(f"renders/albums/{album_id}/") == []


def test_a_crash_mid_pdf_leaves_nothing_visible_and_the_dead_letter_ends_it_in_ready(
    flow: Flow, customer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ape_moments.media.photo_storage import PhotoStorage

    album_id = submit_album(flow, customer, [solid_jpeg(c, (800, 600)) for c in COLOURS[:3]])
    flow.dispatch()
    opener = PhotoStorage.opener

    def crashing_opener(self: PhotoStorage, key: str) -> Any:
        if key.endswith("-photo1.jpg"):  # the second photo: the cover and one page are written

            def crash() -> Any:
                raise ConnectionError("the network went away")

            return crash
        return opener(self, key)

    monkeypatch.setattr(PhotoStorage, "opener", crashing_opener)
    for attempt in range(3):  # the queue's maxReceiveCount
        response = flow.render_next()
        assert len(response["batchItemFailures"]) == 1, attempt
        assert albums().get(album_id).status == "PROCESSING"  # type: ignore[union-attr]
        assert flow.keys_under("renders/") == []  # never a half-written PDF
        assert flow.aws.s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []  # aborted
    assert flow.receive(flow.queue_url) is None  # redriven to the dead-letter queue on the next receive
    dead = flow.receive(flow.dead_letter_url)
    assert dead is not None
    assert load_handler("render_dead_letter").lambda_handler(dead, FakeContext()) == {"batchItemFailures": []}
    album = flow.call("getAlbum", {"albumId": album_id}, customer)
    assert (album["status"], album["errorMessage"], album["pdfUrl"]) == ("READY", GAVE_UP_MESSAGE, None)
    # The owner submits again; this time it renders, and the error is gone.
    monkeypatch.setattr(PhotoStorage, "opener", opener)
    flow.call("updateAlbum", {"input": {"albumId": album_id, "status": "PROCESSING"}}, customer)
    flow.dispatch()
    flow.render_next()
    album = flow.call("getAlbum", {"albumId": album_id}, customer)
    assert (album["status"], album["errorMessage"]) == ("COMPLETED", None)


def test_an_album_with_a_corrupt_photo_goes_back_to_ready_with_the_reason(flow: Flow, customer: Any) -> None:
    album_id = submit_album(flow, customer, [solid_jpeg(COLOURS[0]), b"not an image at all"])
    flow.dispatch()
    flow.render_next()
    stored = albums().get(album_id)
    assert stored is not None
    assert (stored.status, stored.error_message) == ("READY", "photo 2 could not be read: it is not a supported image")
    assert flow.keys_under("renders/") == []


def test_the_dead_letter_leaves_a_finished_item_alone(flow: Flow, customer: Any) -> None:
    collage_id, _ = submit_collage(flow, customer, "SINGLE", [solid_jpeg(COLOURS[0])])
    flow.dispatch()
    flow.render_next()
    completed = collages().get(collage_id)
    flow.aws.sqs.send_message(
        QueueUrl=flow.dead_letter_url, MessageBody=json.dumps({"kind": "collage", "id": collage_id})
    )
    dead = flow.receive(flow.dead_letter_url)
    load_handler("render_dead_letter").lambda_handler(dead, FakeContext())
    assert collages().get(collage_id) == completed


def test_the_renderer_emits_the_metric_contract(flow: Flow, customer: Any, capsys: pytest.CaptureFixture[str]) -> None:
    submit_collage(flow, customer, "SINGLE", [solid_jpeg(COLOURS[0])])
    flow.dispatch()
    capsys.readouterr()
    flow.render_next()
    emitted = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    (blob,) = emitted
    (directive,) = blob["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "ApeMoments/test"
    assert {m["Name"]: m["Unit"] for m in directive["Metrics"]} == {
        "RendersCompleted": "Count",
        "RenderDuration": "Milliseconds",
    }
    assert directive["Dimensions"] == [["service"]]
    assert blob["RendersCompleted"] == [1.0] or blob["RendersCompleted"] == 1.0

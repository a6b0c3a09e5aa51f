"""`python -m devtools.crossings`: the repository files one request runs code of.

For each request below, the real handler runs in this process against moto (the bench's harness:
the template's tables, queues, buckets and environment), after a setup that creates what the
request needs through the functions that create it in production. Only the request itself is
watched: ``sys.monitoring`` reports every Python function that starts while the handler runs
(every thread), and a file counts if it is under ``layers/`` or ``src/`` (our code; not
third-party, not devtools or tests). The handler module is imported before, so a cold start's
imports are not counted; a module first imported during the request is listed apart.

The request is the first one of a fresh execution environment: every cache of the layer cleared
(the setup ran other functions in this process) and the handler module's init run again, so the
lazy first-use code (clients, services) counts, as it does on Lambda. Then the same request again, in
that environment, after a new setup (new objects, same path): the warm count, a subset.
Issue 18 asked for these four; ``--json`` prints the lists as JSON.
"""

from __future__ import annotations

import argparse
import copy
import inspect
import io
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import CodeType
from typing import Any

from devtools.bench.cases import Invoke, _album, _album_and_bucket, _new_idempotency_key, _sources_setup, load_sample
from devtools.bench.harness import Harness
from devtools.bench.stack import EVENTS, ROOT, clear_caches, environment

CROSSED_ROOTS = ("layers", "src")
Setup = Callable[[Invoke, dict[str, Any]], dict[str, str]]


@dataclass(frozen=True)
class Request:
    name: str
    function: str  # the template's logical id: the one function the request runs synchronously
    sample: str  # under events/
    setup: Setup
    vary: Callable[[dict[str, Any], int], dict[str, Any]] | None = None
    note: str = ""
    check: Callable[[dict[str, str]], None] | None = None  # raises unless the request did its work

    def event(self, substitutions: dict[str, str]) -> dict[str, Any]:
        text = (EVENTS / self.sample).read_text()
        for sample_id, real_id in substitutions.items():
            text = text.replace(sample_id, real_id)
        event: dict[str, Any] = json.loads(text)
        return self.vary(event, 0) if self.vary is not None else event


@dataclass
class Crossed:
    """Files of ours whose functions ran, and files first imported, while the block ran."""

    files: dict[str, set[str]] = field(default_factory=dict)  # repo-relative file -> function names
    imported: set[str] = field(default_factory=set)

    @property
    def sorted_files(self) -> list[str]:
        return sorted(self.files)


def _ours(filename: str) -> str | None:
    try:
        relative = Path(filename).resolve().relative_to(ROOT)
    except ValueError:
        return None
    return relative.as_posix() if relative.parts[0] in CROSSED_ROOTS else None


@contextmanager
def watching() -> Iterator[Crossed]:
    """Every Python function start in the block, in any thread; each code object reported once."""
    monitoring = sys.monitoring
    tool = next(tool for tool in range(6) if monitoring.get_tool(tool) is None)
    crossed = Crossed()
    known: dict[str, str | None] = {}

    def started(code: CodeType, _offset: int) -> object:
        filename = code.co_filename
        if filename not in known:
            known[filename] = _ours(filename)
        relative = known[filename]
        if relative is not None:
            if not code.co_flags & inspect.CO_NEWLOCALS:  # a module's or a class's body: an import
                crossed.imported.add(relative)
            else:
                crossed.files.setdefault(relative, set()).add(code.co_qualname)
        return monitoring.DISABLE  # this code object is known now: no more events from it

    monitoring.use_tool_id(tool, "crossings")
    try:
        monitoring.register_callback(tool, monitoring.events.PY_START, started)
        monitoring.restart_events()  # code disabled by an earlier block reports again
        monitoring.set_events(tool, monitoring.events.PY_START)
        yield crossed
    finally:
        monitoring.set_events(tool, monitoring.events.NO_EVENTS)
        monitoring.register_callback(tool, monitoring.events.PY_START, None)
        monitoring.free_tool_id(tool)


# ---- setups ------------------------------------------------------------------------------------


def _jpeg(size: tuple[int, int], colour: tuple[int, int, int]) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG", quality=90)
    return out.getvalue()


def _photo_landed(invoke: Invoke, key: str, body: bytes) -> None:
    """The photo PUT at ``key`` and S3's event for it handed to the upload pipeline (a listed photo)."""
    import os

    import boto3

    bucket = os.environ["MEDIA_BUCKET_NAME"]
    put = boto3.client("s3").put_object(Bucket=bucket, Key=key, Body=body, ContentType="image/jpeg")
    event = load_sample("s3_album_photo_created.json")
    record = event["Records"][0]["s3"]
    record["bucket"].update(name=bucket, arn=f"arn:aws:s3:::{bucket}")
    record["object"].update(key=key, size=len(body), eTag=put["ETag"].strip('"'), versionId=put["VersionId"])
    invoke("UploadEventsFunction", event)


def _submitted_collage(invoke: Invoke, sample: dict[str, Any]) -> dict[str, str]:
    """A GRID_2X2 collage with its four photos uploaded through the pipeline, submitted by its owner
    (updateCollage to PROCESSING): the render request the change stream would queue for it."""
    import os

    import boto3

    from ape_moments.media.renders import render_id_of

    create = load_sample("collage_create.json")  # background #FFD700, gutter 20: what the renderer draws
    created = invoke("CollagesFunction", create)
    collage_id = str(created["collageId"])
    update = load_sample("collage_update.json")
    sample_id = update["arguments"]["input"]["collageId"]
    update = json.loads(json.dumps(update).replace(sample_id, collage_id))
    for index, key in enumerate(json.loads(update["arguments"]["input"]["sourceImages"])):
        _photo_landed(invoke, key, _jpeg((800, 600), (60 * index, 100, 200 - 40 * index)))
    invoke("CollagesFunction", update)
    item = boto3.client("dynamodb").get_item(
        TableName=os.environ["COLLAGES_TABLE_NAME"], Key={"collageId": {"S": collage_id}}, ConsistentRead=True
    )["Item"]
    body = json.loads(sample["Records"][0]["body"])
    return {body["id"]: collage_id, body["render_id"]: render_id_of(item["updatedAt"]["S"])}


def _collage_completed(substitutions: dict[str, str]) -> None:
    """A refused render takes a shorter path: measure only a render that wrote its JPEG."""
    import os

    import boto3

    collage_id = next(iter(substitutions.values()))
    item = boto3.client("dynamodb").get_item(
        TableName=os.environ["COLLAGES_TABLE_NAME"], Key={"collageId": {"S": collage_id}}, ConsistentRead=True
    )["Item"]
    if item["status"]["S"] != "COMPLETED":
        raise RuntimeError(f"the collage render ended {item['status']['S']}: {item.get('errorMessage')}")


REQUESTS = (
    Request(
        "createOrder",
        "CreateOrderFunction",
        "create_order.json",
        setup=_sources_setup,
        vary=_new_idempotency_key,
        note="a photo of an album and a completed collage (the bench's case), a new idempotencyKey",
    ),
    Request("updateAlbum", "AlbumsFunction", "album_update.json", setup=_album, note="the owner renames and readies"),
    Request(
        "photo upload",
        "UploadEventsFunction",
        "s3_album_photo_created.json",
        setup=_album_and_bucket,
        note="S3's ObjectCreated for a 2 MP JPEG in an album: the only function S3 invokes for it; "
        "its table writes reach the change stream later, asynchronously",
    ),
    Request(
        "collage render",
        "RendererFunction",
        "renderer.json",
        setup=_submitted_collage,
        check=_collage_completed,
        note="the render request of a submitted GRID_2X2 collage of four uploaded photos",
    ),
)


@dataclass
class Measured:
    """One request twice: first in a fresh execution environment, then again in the same one."""

    fresh: Crossed
    warm: Crossed


def _fresh_environment(harness: Harness, function: str) -> None:
    """A new execution environment for ``function``: in Lambda each function has its own, here the
    setup's functions share this process and leave their clients and services cached. Every cache
    cleared, then the handler module's init run again (what a cold start runs before the request)."""
    spec = harness.specs[function]
    harness.handler(function)
    clear_caches()
    module = sys.modules[f"bench_{spec.logical_id}_{spec.module_name.replace('.', '_')}"]  # load_handler's name
    loader = module.__spec__.loader if module.__spec__ is not None else None
    if loader is None:
        raise RuntimeError(f"{module.__name__} has no loader to run its init again")
    sys.path.insert(0, str(spec.code_dir))
    try:
        with environment(spec.environment):
            loader.exec_module(module)
    finally:
        sys.path.remove(str(spec.code_dir))
    harness._handlers[function] = getattr(module, spec.handler_name)  # the harness's cache, now this module's


def _watched(harness: Harness, request: Request, *, fresh: bool) -> Crossed:
    """The setup in an empty moto, then the request, watched."""
    harness.reset()
    substitutions = request.setup(harness.invoke, request.event({}))
    event = request.event(substitutions)
    if fresh:
        _fresh_environment(harness, request.function)
    else:
        harness.handler(request.function)  # imported (its cold start) before anything is watched
    with watching() as crossed:
        answer = harness.invoke(request.function, copy.deepcopy(event))
    if isinstance(answer, dict) and answer.get("batchItemFailures"):
        raise RuntimeError(f"{request.name}: the handler reported failures: {answer}")
    if request.check is not None:
        request.check(substitutions)
    return crossed


def measure(names: list[str] | None = None) -> dict[str, Measured]:
    """The files each request (all, or those named) crossed: fresh, then warm (a new setup of the
    same shape, so the warm request takes the same path on new objects)."""
    from moto import mock_aws

    chosen = [request for request in REQUESTS if names is None or request.name in names]
    results: dict[str, Measured] = {}
    with mock_aws(), Harness.open() as harness:
        for request in chosen:
            fresh = _watched(harness, request, fresh=True)
            results[request.name] = Measured(fresh, _watched(harness, request, fresh=False))
    return results


def report(results: dict[str, Measured], *, functions: bool = False) -> str:
    lines = []
    for request in REQUESTS:
        measured = results.get(request.name)
        if measured is None:
            continue
        fresh, warm = measured.fresh, measured.warm
        files = fresh.sorted_files
        layer = [f for f in files if f.startswith("layers/")]
        lines.append(
            f"{request.name} ({request.function}): {len(files)} files "
            f"({len(layer)} in layers/, {len(files) - len(layer)} in src/), "
            f"warm {len(warm.files)}; {request.note}"
        )
        for path in files:
            called = f": {', '.join(sorted(fresh.files[path]))}" if functions else ""
            first_only = "" if path in warm.files else "  [first request only]"
            lines.append(f"  {path}{first_only}{called}")
        lines += [f"  {path}  [warm only]" for path in sorted(set(warm.files) - set(files))]
        only_imported = sorted(fresh.imported - set(files))
        if only_imported:
            lines.append("  imported during the request, no function of it called: " + ", ".join(only_imported))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("requests", nargs="*", help=f"some of: {', '.join(r.name for r in REQUESTS)}")
    parser.add_argument("--json", action="store_true", help="the file lists as JSON")
    parser.add_argument("--functions", action="store_true", help="each file's functions that ran")
    args = parser.parse_args(argv)
    results = measure(args.requests or None)
    if args.json:
        lists = {name: {"fresh": m.fresh.sorted_files, "warm": m.warm.sorted_files} for name, m in results.items()}
        print(json.dumps(lists, indent=2))
    else:
        print(report(results, functions=args.functions))


if __name__ == "__main__":
    main()

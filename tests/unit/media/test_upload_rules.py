"""The pure upload rules: safe names hold for any input, not only the examples in the API tests."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from ape_moments.media.uploads import MAX_SAFE_NAME_LENGTH, extension_of, object_key, safe_file_name

SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\.[a-z0-9]+")


@given(st.text(max_size=300), st.sampled_from(["jpg", "jpeg", "png", "webp", "heic", "JPG", "HeIc"]))
def test_any_name_becomes_one_safe_segment_keeping_its_extension(stem: str, extension: str) -> None:
    name = safe_file_name(f"{stem}.{extension}")
    assert SAFE.fullmatch(name), name
    assert len(name) <= MAX_SAFE_NAME_LENGTH
    assert ".." not in name
    assert name.endswith(f".{extension.lower()}")


@given(st.text(max_size=300))
def test_a_key_never_leaves_its_prefix(file_name: str) -> None:
    key = object_key("albums/abc/", f"{file_name}.jpg", datetime(2026, 11, 25, tzinfo=UTC))
    assert key.startswith("albums/abc/1795")
    assert "/" not in key.removeprefix("albums/abc/")


def test_extension_is_the_last_suffix_of_the_base_name() -> None:
    assert extension_of("photo.JPG") == "jpg"
    assert extension_of("photo.jpg.exe") == "exe"
    assert extension_of("dir.jpg/photo") == ""
    assert extension_of("C:\\dir.png\\photo.heic") == "heic"
    assert extension_of(".png") == ""
    assert extension_of("photo.") == ""


def test_the_timestamp_is_epoch_milliseconds() -> None:
    moment = datetime(2026, 11, 25, 15, 4, 5, 123000, tzinfo=UTC)
    assert object_key("collages/c1/", "a.png", moment) == f"collages/c1/{int(moment.timestamp() * 1000)}-a.png"

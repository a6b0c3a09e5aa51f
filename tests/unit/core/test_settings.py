"""Configuration is validated at cold start: a missing or malformed variable fails the init, naming it."""

from __future__ import annotations

import importlib.util
import uuid
from typing import Any

import pytest

from ape_moments.settings import ConfigurationError, Settings
from devtools import template
from tests.conftest import ROOT, _clear_caches

KNOWN = {field.alias for field in Settings.model_fields.values()}
# A valid value for every variable the layer reads.
NUMBERS = {
    "UPLOAD_URL_EXPIRES_IN": "1800",
    "PHOTO_URL_EXPIRES_IN": "1800",
    "STUCK_AFTER_MINUTES": "30",
    "SWEEPER_MAX_REQUEUES": "2",
}
# SPEC 16: all three or none (S3 presigned GETs without them); the template sets all three.
MEDIA_CDN = ("MEDIA_URL_BASE", "MEDIA_KEY_PAIR_ID", "MEDIA_SIGNING_KEY_SECRET")
VALID = {name: NUMBERS.get(name, f"value-of-{name.lower()}") for name in KNOWN} | {
    "MEDIA_URL_BASE": "https://d111111abcdef8.cloudfront.net"
}
VALID["PAYMENT_PROVIDER"] = "stripe"  # SPEC 12: one of sandbox, stripe


def handler_folders() -> dict[str, str]:
    """Function logical id -> its handler folder under src/."""
    return {
        name: str(props["Properties"]["CodeUri"]).strip("/").removeprefix("src/")
        for name, props in template.resources("AWS::Serverless::Function").items()
    }


def cold_start(folder: str) -> Any:
    """Import the handler module afresh, as a new execution environment does."""
    _clear_caches()
    spec = importlib.util.spec_from_file_location(f"cold_{folder}_{uuid.uuid4().hex}", ROOT / "src" / folder / "app.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_variables(function: str) -> list[str]:
    return sorted(template.function_environment_names(function) & KNOWN)


CASES = [(function, variable) for function in sorted(handler_folders()) for variable in read_variables(function)]
REQUIRED = [  # NUMBERS have defaults; MEDIA_CDN go together (below)
    (function, variable) for function, variable in CASES if variable not in NUMBERS and variable not in MEDIA_CDN
]


def set_environment(monkeypatch: pytest.MonkeyPatch, function: str) -> None:
    for name in KNOWN:
        monkeypatch.delenv(name, raising=False)
    for name in read_variables(function):
        monkeypatch.setenv(name, VALID[name])


@pytest.mark.parametrize("function", sorted(handler_folders()))
def test_every_function_starts_with_the_environment_the_template_gives_it(
    monkeypatch: pytest.MonkeyPatch, function: str
) -> None:
    set_environment(monkeypatch, function)
    assert callable(cold_start(handler_folders()[function]).lambda_handler)


@pytest.mark.parametrize(("function", "variable"), REQUIRED)
def test_a_missing_variable_fails_the_cold_start_naming_it(
    monkeypatch: pytest.MonkeyPatch, function: str, variable: str
) -> None:
    set_environment(monkeypatch, function)
    monkeypatch.delenv(variable)
    with pytest.raises(ConfigurationError, match=f"^missing configuration: {variable}$"):
        cold_start(handler_folders()[function])


@pytest.mark.parametrize(("function", "variable"), REQUIRED)
def test_an_empty_variable_fails_the_cold_start_naming_it(
    monkeypatch: pytest.MonkeyPatch, function: str, variable: str
) -> None:
    set_environment(monkeypatch, function)
    monkeypatch.setenv(variable, "")
    with pytest.raises(ConfigurationError, match=f"^invalid configuration: {variable}: "):
        cold_start(handler_folders()[function])


@pytest.mark.parametrize("value", ["soon", "59", "3601"])
@pytest.mark.parametrize("function", ["PresignAlbumUploadFunction", "PresignCollageUploadFunction"])
def test_a_malformed_url_lifetime_fails_the_cold_start_naming_it(
    monkeypatch: pytest.MonkeyPatch, function: str, value: str
) -> None:
    set_environment(monkeypatch, function)
    monkeypatch.setenv("UPLOAD_URL_EXPIRES_IN", value)
    with pytest.raises(ConfigurationError, match=r"^invalid configuration: UPLOAD_URL_EXPIRES_IN: "):
        cold_start(handler_folders()[function])


def test_the_upload_url_lifetime_defaults_to_an_hour(monkeypatch: pytest.MonkeyPatch) -> None:
    from ape_moments.settings import AlbumSettings

    set_environment(monkeypatch, "AlbumsFunction")
    assert AlbumSettings.from_environment().upload_url_expires_in == 3600


@pytest.mark.parametrize("value", ["soon", "59", "3601"])
def test_a_malformed_photo_url_lifetime_fails_the_cold_start_naming_it(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    set_environment(monkeypatch, "PhotosFunction")
    monkeypatch.setenv("PHOTO_URL_EXPIRES_IN", value)
    with pytest.raises(ConfigurationError, match=r"^invalid configuration: PHOTO_URL_EXPIRES_IN: "):
        cold_start(handler_folders()["PhotosFunction"])


def test_the_photo_url_lifetime_defaults_to_15_minutes(monkeypatch: pytest.MonkeyPatch) -> None:
    from ape_moments.settings import PhotoSettings

    set_environment(monkeypatch, "PhotosFunction")
    monkeypatch.delenv("PHOTO_URL_EXPIRES_IN")
    assert PhotoSettings.from_environment().photo_url_expires_in == 900


@pytest.mark.parametrize(("function", "variable"), [case for case in CASES if case[1] in MEDIA_CDN])
def test_the_media_cdn_variables_fail_the_cold_start_unless_all_are_set(
    monkeypatch: pytest.MonkeyPatch, function: str, variable: str
) -> None:
    set_environment(monkeypatch, function)
    monkeypatch.delenv(variable)
    with pytest.raises(ConfigurationError, match="MEDIA_URL_BASE, MEDIA_KEY_PAIR_ID and MEDIA_SIGNING_KEY_SECRET go"):
        cold_start(handler_folders()[function])
    monkeypatch.setenv(variable, "")
    with pytest.raises(ConfigurationError, match=f"^invalid configuration: {variable}: "):
        cold_start(handler_folders()[function])

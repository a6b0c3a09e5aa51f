"""The booth app (examples/web) in a real browser: Debian's Chromium driven by Playwright.

A local stack of its own serves the production build (`--app-port`), and the browser opens the
app at ``http://localhost:3000``, the app's real origin (the bucket's CORS allows exactly the
app's origins): Chromium's host resolver maps that name and port to the stack's app server on its
free port, so the tests never need port 3000 itself, and the page still comes from a loopback
address as it does for a user (Chromium's local-network checks see what they would see). Everything
else (Cognito, GraphQL, the realtime WebSocket, S3 uploads) goes from the browser to the stack.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.local_stack_process import running_stack

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "examples" / "web"
CHROMIUM = Path("/usr/bin/chromium")
AXE = WEB / "node_modules" / "axe-core" / "axe.min.js"
APP_ORIGIN = "http://localhost:3000"
BUILD_TIMEOUT_SECONDS = 600
# The flags the machine needs: no sandbox as root, and no background calls to Google's hosts.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Screenshots for the README go to docs/screenshots when asked (SCREENSHOTS=1), else to a temporary folder.
SCREENSHOTS = ROOT / "docs" / "screenshots"


@dataclass
class Booth:
    app_url: str  # the stack's app server, on its free port
    description: dict[str, Any]
    log: Path
    screenshots: Path

    @property
    def admin(self) -> dict[str, Any]:
        return next(user for user in self.description["demoUsers"] if "admins" in user["groups"])


def _built_app() -> None:
    """The production build, made by `make app-build` (cached until the app's sources change)."""
    if shutil.which("npm") is None:
        pytest.skip("npm is needed to build the booth app")
    subprocess.run(["make", "--no-print-directory", "app-build"], cwd=ROOT, check=True, timeout=BUILD_TIMEOUT_SECONDS)


@pytest.fixture(scope="session")
def booth(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Booth]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (make test installs Debian's chromium)")
    _built_app()
    folder = tmp_path_factory.mktemp("booth-stack")
    with running_stack(folder, "--app-port=0") as running:
        screenshots = SCREENSHOTS if os.environ.get("SCREENSHOTS") == "1" else folder / "screenshots"
        screenshots.mkdir(parents=True, exist_ok=True)
        app_url = running.description["appUrl"].rstrip("/")
        yield Booth(app_url=app_url, description=running.description, log=running.log, screenshots=screenshots)


@pytest.fixture(scope="session")
def chromium(booth: Booth) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    app_address = booth.app_url.removeprefix("http://")
    resolver = f"--host-resolver-rules=MAP {APP_ORIGIN.removeprefix('http://')} {app_address}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, resolver])
        yield browser
        browser.close()


@pytest.fixture
def open_app(booth: Booth, chromium: Any) -> Iterator[Any]:
    """A function opening the app in a fresh browser context (a new guest): returns its page."""
    contexts: list[Any] = []

    def open_page(init_script: str | None = None) -> Any:
        # ignore_https_errors: the realtime WebSocket's certificate is the stack's own local CA
        # (a user trusts it once, README); everything else is plain http on 127.0.0.1.
        context = chromium.new_context(ignore_https_errors=True, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(20_000)
        contexts.append(context)
        if init_script:
            context.add_init_script(init_script)  # runs before the app's own scripts on every page
        page = context.new_page()
        page.goto(f"{APP_ORIGIN}/")
        page.get_by_test_id("who").wait_for()
        return page

    yield open_page
    for context in contexts:
        context.close()


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is (injected from node_modules)."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => (await axe.run(document, { resultTypes: ['violations'] })).violations")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result
        if v["impact"] in ("serious", "critical")
    ]

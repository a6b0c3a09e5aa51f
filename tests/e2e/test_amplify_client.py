"""The real Amplify client against the stack: tests/amplify/client.mjs with the pinned aws-amplify.

The client is installed on first use (`npm ci` into .local/amplify-client, again whenever
tests/amplify/package-lock.json changes) and configured from the amplify_outputs.json the stack
wrote, with the two endpoint lines a local frontend adds. Its summary line is repeated at the end
of pytest's output.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.e2e.conftest import ROOT, Stack

pytestmark = pytest.mark.e2e

SUITE = ROOT / "tests" / "amplify"
INSTALL = ROOT / ".local" / "amplify-client"
NPM_TIMEOUT_SECONDS = 300
SUITE_TIMEOUT_SECONDS = 180
SUMMARY_PROPERTY = "amplify_client_summary"  # shown by tests/e2e/conftest.py's terminal summary


def _installed_client() -> Path:
    """.local/amplify-client with node_modules from the lock file; the suite's script copied in."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are needed for the Amplify client suite")
    lock = (SUITE / "package-lock.json").read_bytes()
    marker = INSTALL / ".installed"
    fingerprint = hashlib.sha256(lock).hexdigest()
    INSTALL.mkdir(parents=True, exist_ok=True)
    # One install at a time: pytest-xdist workers (or a second checkout's run) share this folder.
    with (INSTALL.parent / "amplify-client.lock").open("w") as install_lock:
        fcntl.flock(install_lock, fcntl.LOCK_EX)
        _install(marker, fingerprint)
        # ES modules resolve packages from the script's folder, so the script runs from the install.
        shutil.copy(SUITE / "client.mjs", INSTALL / "client.mjs")
    return INSTALL / "client.mjs"


def _install(marker: Path, fingerprint: str) -> None:
    if not marker.is_file() or marker.read_text() != fingerprint:
        for name in ("package.json", "package-lock.json"):
            shutil.copy(SUITE / name, INSTALL / name)
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--silent"],
            cwd=INSTALL,
            check=True,
            timeout=NPM_TIMEOUT_SECONDS,
        )
        marker.write_text(fingerprint)


def test_the_real_amplify_client_works_from_amplify_outputs_json(
    stack: Stack, record_property: Callable[[str, object], None]
) -> None:
    script = _installed_client()
    admin = next(user for user in stack.description["demoUsers"] if "admins" in user["groups"])
    result = subprocess.run(
        [
            "node",
            "--experimental-websocket",  # Node 20's global WebSocket, which Amplify's realtime provider uses
            str(script),
            str(stack.amplify_outputs),
            f"amplify-{uuid.uuid4().hex[:10]}@example.com",
            admin["email"],
            admin["password"],
        ],
        capture_output=True,
        text=True,
        timeout=SUITE_TIMEOUT_SECONDS,
        check=False,
        # Subscriptions go to wss:// on the local stack: trust its certificate authority.
        env={**os.environ, "NODE_EXTRA_CA_CERTS": stack.description["caCertificate"]},
    )
    lines = result.stdout.splitlines()
    summary = [line for line in lines if line.startswith(("not ok", "skip", "amplify client"))]
    record_property(SUMMARY_PROPERTY, summary or ["amplify client: no summary", *result.stderr.splitlines()[-5:]])
    failed = [line for line in lines if line.startswith("not ok")]
    assert result.returncode == 0, "\n".join(failed or [result.stdout[-3000:], result.stderr[-3000:]])
    assert any(line.startswith("amplify client") and " 0 failed" in line for line in lines), result.stdout

"""The booth app (examples/web) served by the local stack: `make run` opens it at http://127.0.0.1:3000.

The production build (``examples/web/dist``, made by `make run` through `make app-build`) is
served as static files, every other path answering ``index.html`` (a single-page app), and
``/amplify_outputs.json`` answers the stack's own outputs file: the app configures itself from
it alone. The payment names the stack describes (``stripe*`` keys of its description, when the
stripe provider runs) are added to ``custom.local``, where the app looks for them.
"""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from werkzeug.wrappers import Request, Response

from devtools.template import ROOT

APP_DIST = ROOT / "examples" / "web" / "dist"
APP_PORT = 3000
# The browser origins of the app, on whichever name the user types: what the stack's CORS allows.
APP_ORIGINS = (f"http://127.0.0.1:{APP_PORT}", f"http://localhost:{APP_PORT}")
OUTPUTS_PATH = "/amplify_outputs.json"
# Hashed asset names (Vite's `assets/` folder) never change content; everything else is revalidated.
IMMUTABLE_PREFIX = "/assets/"


def served_outputs(outputs: dict[str, Any], description: dict[str, Any]) -> dict[str, Any]:
    """The outputs file as the app reads it: the stack's, with its payment names in ``custom.local``."""
    payment_names = {key: value for key, value in description.items() if key.startswith("stripe") and value}
    if not payment_names:
        return outputs
    custom = dict(outputs.get("custom") or {})
    custom["local"] = {**custom.get("local", {}), **payment_names}
    return {**outputs, "custom": custom}


class AppServer:
    """A WSGI app: the built files, ``index.html`` for unknown paths, and the outputs file."""

    def __init__(self, dist: Path, outputs: Callable[[], dict[str, Any]]) -> None:
        self.dist = dist.resolve()
        self._outputs = outputs

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        return self._respond(Request(environ))(environ, start_response)

    def _respond(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            return Response("method not allowed", status=405, headers={"Allow": "GET, HEAD"})
        if request.path == OUTPUTS_PATH:
            return Response(
                json.dumps(self._outputs()), mimetype="application/json", headers={"Cache-Control": "no-store"}
            )
        file = self._file(request.path)
        if file is None:
            return Response(
                "The app is not built: `make run` builds it (examples/web, npm).", status=503, mimetype="text/plain"
            )
        mimetype = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        cache = "public, max-age=31536000, immutable" if request.path.startswith(IMMUTABLE_PREFIX) else "no-cache"
        return Response(file.read_bytes(), mimetype=mimetype, headers={"Cache-Control": cache})

    def _file(self, path: str) -> Path | None:
        candidate = (self.dist / path.lstrip("/")).resolve()
        # Inside dist only (no `..` escapes); anything else is the app's own route.
        if candidate.is_relative_to(self.dist) and candidate.is_file():
            return candidate
        index = self.dist / "index.html"
        return index if index.is_file() else None

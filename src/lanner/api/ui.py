"""The web UI: the single-page app built from ``ui/`` (``make ui``) into ``ui_dist/`` beside
this module, served at ``/ui``.

Files under ``/ui/`` are answered as they are; any other path below ``/ui/`` (a page of the
app, such as ``/ui/flows/edit/company.team/hello``) gets ``index.html``, and the app's router
shows the page. ``/`` redirects to ``/ui/``. Hashed assets are cached for good; ``index.html``
is revalidated on every load, so a new build shows at once.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

__all__ = ["UI_DIR", "install_ui"]

#: where ``vite build`` writes the app (see ui/vite.config.ts)
UI_DIR = Path(__file__).resolve().with_name("ui_dist")

_IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable"}
_REVALIDATE = {"Cache-Control": "no-cache"}
#: scripts are sent as application/javascript: the secret-masking middleware rewrites text/*
#: bodies, and the bundles hold no secret (they are the same for every server)
_MEDIA_TYPES = {".js": "application/javascript", ".mjs": "application/javascript", ".svg": "image/svg+xml"}

_NOT_BUILT = """<!doctype html><html><head><meta charset="utf-8"><title>Lanner</title></head><body>
<h1>The Lanner web UI is not built</h1>
<p>This server was installed without the UI assets. From a source checkout, run <code>make ui</code>
(it needs Node.js 20 or later and npm), or <code>make run</code>, which builds it first.</p>
<p>The API works meanwhile: <a href="/api/v1/docs">API documentation</a>.</p>
</body></html>"""


def _file(directory: Path, path: str) -> Path | None:
    """The file at ``path`` inside ``directory``, or None (missing, a folder, or outside it)."""
    if not path or "\\" in path or "\x00" in path:
        return None
    candidate = (directory / path).resolve()
    if not candidate.is_relative_to(directory) or not candidate.is_file():
        return None
    return candidate


def install_ui(app: FastAPI, directory: Path = UI_DIR) -> None:
    """Serve the app in ``directory`` at ``/ui`` and redirect ``/`` there."""
    root = directory.resolve()

    @app.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
    async def home() -> RedirectResponse:
        return RedirectResponse("/ui/", status_code=307)

    @app.api_route("/ui", methods=["GET", "HEAD"], include_in_schema=False)
    async def ui_root() -> RedirectResponse:
        return RedirectResponse("/ui/", status_code=307)

    @app.api_route("/ui/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
    async def ui(path: str) -> Response:
        index = root / "index.html"
        if not index.is_file():
            return HTMLResponse(_NOT_BUILT, status_code=503, headers=_REVALIDATE)
        found = _file(root, path)
        if found is not None:
            headers = _IMMUTABLE if path.startswith("assets/") else _REVALIDATE
            return FileResponse(found, headers=headers, media_type=_MEDIA_TYPES.get(found.suffix))
        if path.startswith("assets/"):
            # a missing asset is a 404, not the app (a stale page asking for an old bundle)
            return Response(f"no asset {path}", status_code=404, media_type="text/plain")
        return FileResponse(index, headers=_REVALIDATE, media_type="text/html")

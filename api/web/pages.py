"""The web UI's routes: the single page at ``/``, its static files, and the JSON routes only the page needs
(base map, route points). Case data reaches the page only through the ``/api/v1`` JSON API with the bearer
token; the HTML and static routes serve no case data and are left out of the OpenAPI schema.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import FileResponse, HTMLResponse

from api.web import basemap, route_points
from api.web.errors import StaticAssetMissing

STATIC_DIR = Path(__file__).parent / "static"
INDEX_FILE = STATIC_DIR / "index.html"
VENDOR_LEAFLET = STATIC_DIR / "vendor" / "leaflet" / "leaflet.js"

router = APIRouter()
router.include_router(basemap.router)
router.include_router(route_points.router)

mimetypes.add_type("text/javascript", ".js")
mimetypes.add_type("text/javascript", ".mjs")
mimetypes.add_type("text/css", ".css")


def content_security_policy(tile_url: str | None) -> str:
    """Everything from this server only (no CDN at run time); tiles also from the organisation's server."""
    images = "'self' data:"
    if tile_url:
        parts = urlsplit(tile_url)
        if parts.scheme in ("http", "https") and parts.netloc:
            images += f" {parts.scheme}://{parts.netloc.replace('{s}', '*')}"
    return (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        f"img-src {images}; connect-src 'self'; font-src 'self'; object-src 'none'; "
        "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    )


@router.get("/", include_in_schema=False)
def index(request: Request) -> HTMLResponse:
    """The single page (no case data: it signs in and fetches everything from /api/v1)."""
    if not VENDOR_LEAFLET.is_file():
        message = str(
            StaticAssetMissing(f"{VENDOR_LEAFLET} is missing: run `make web` to install the map library")
        )
        return HTMLResponse(f"<!doctype html><title>reisroute</title><p>{message}</p>", status_code=503)
    settings = request.app.state.reisroute.settings
    return HTMLResponse(
        INDEX_FILE.read_text(encoding="utf-8"),
        headers={
            "Content-Security-Policy": content_security_policy(settings.tile_url),
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        },
    )


@router.get("/static/{asset_path:path}", include_in_schema=False)
def static_file(asset_path: str) -> FileResponse:
    """A file under ``api/web/static`` (the app's scripts and styles, and the map library from npm)."""
    root = STATIC_DIR.resolve()
    candidate = (root / asset_path).resolve()
    if not candidate.is_relative_to(root) or not candidate.is_file():
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no static file {asset_path!r}")
    media_type = mimetypes.guess_type(candidate.name)[0] or "application/octet-stream"
    return FileResponse(
        candidate,
        media_type=media_type,
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )

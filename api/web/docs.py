"""The API documentation (Swagger UI and ReDoc) from the app's own static files: it works offline.

FastAPI's defaults load both from a CDN, which a station without internet cannot reach (a blank page). The
files come from the npm registry (``swagger-ui-dist``, ``redoc``; ``make web``) and are committed under
``static/vendor`` like the map library.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse

router = APIRouter()
VENDOR = "/static/vendor"


@router.get("/docs", include_in_schema=False)
def swagger_ui() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="reisroute – API",
        swagger_js_url=f"{VENDOR}/swagger-ui/swagger-ui-bundle.js",
        swagger_css_url=f"{VENDOR}/swagger-ui/swagger-ui.css",
        swagger_favicon_url="data:,",
    )


@router.get("/redoc", include_in_schema=False)
def redoc() -> HTMLResponse:
    return get_redoc_html(
        openapi_url="/openapi.json",
        title="reisroute – API",
        redoc_js_url=f"{VENDOR}/redoc/redoc.standalone.js",
        redoc_favicon_url="data:,",
        with_google_fonts=False,
    )

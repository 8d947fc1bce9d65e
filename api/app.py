"""``create_app(settings)``: nothing is built at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.errors import install_error_handlers
from api.hygiene import RefuseNulInPath, SecurityHeaders, redact_access_log
from casework.settings import Settings
from casework.state import AppState, build_state

API_VERSION = "0.1.0"


def create_app(settings: Settings | None = None, *, state: AppState | None = None) -> FastAPI:
    settings = settings or Settings()
    app_state = state or build_state(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        worker = app_state.extras.get("worker_factory")
        if settings.run_worker and worker is not None:
            app_state.worker = worker(app_state)
            app_state.worker.start()
            # the worker builds routes: open the gazetteer now, not when the first job ends
            from casework.places_index import warm_up

            warm_up(app_state)
        try:
            yield
        finally:
            if app_state.worker is not None:
                app_state.worker.stop()
                app_state.worker = None
            app_state.extras["audit_log"].close()

    app = FastAPI(
        title="reisroute",
        version=API_VERSION,
        description="Scoped, audited extraction of phone location data and fair comparison with the "
        "applicant's account. The data locates the device, not the person.",
        lifespan=lifespan,
        docs_url=None,  # served from the app's own files (api/web/docs.py): no CDN, works offline
        redoc_url=None,
    )
    app.add_middleware(RefuseNulInPath)  # inside SecurityHeaders: its 400 carries the headers too
    app.add_middleware(SecurityHeaders)
    redact_access_log()
    app.state.reisroute = app_state
    install_error_handlers(app)

    from api.routers import admin, auth, cases, compliance, health
    from api.routers import audit as audit_router
    from api.routers import catalogue as catalogue_router
    from api.web import docs

    app.include_router(docs.router)
    app.include_router(health.router)
    app.include_router(catalogue_router.router)
    app.include_router(auth.router)
    app.include_router(cases.router)
    app.include_router(audit_router.router)
    app.include_router(compliance.router)
    app.include_router(admin.router)
    for extra in _optional_routers():
        app.include_router(extra)
    return app


def _optional_routers() -> list:  # type: ignore[type-arg]
    """Routers of later stages (jobs, route, claims, web) register here once they exist."""
    import importlib

    routers = []
    for name in (
        "api.routers.jobs",
        "api.routers.route",
        "api.routers.claims",
        "api.routers.report",
        "api.routers.records",
        "api.routers.queues",
        "api.routers.stations",
        "api.web.pages",
    ):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        routers.append(module.router)
    return routers

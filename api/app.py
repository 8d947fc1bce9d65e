"""``create_app(settings)``: nothing is built at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.errors import install_error_handlers
from api.settings import Settings
from api.state import AppState
from legal_basis.policy import load_policy
from store import audit
from store.db import make_engine, make_session_factory
from store.evidence import EvidenceStore
from store.migrate import upgrade

API_VERSION = "0.1.0"


def build_state(settings: Settings, *, migrate: bool = True, start_audit: bool = True) -> AppState:
    """Everything the app holds. Refuses (``AuditKeyError``) without an audit key and checkpoint directory
    outside the data directory, unless in demo mode. ``start_audit=False``: write no start checkpoint (verify)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    key = audit.load_key(
        key_hex=settings.audit_key.get_secret_value() if settings.audit_key else None,
        key_file=settings.audit_key_file,
        data_dir=settings.data_dir,
        demo=settings.demo,
    )
    checkpoint_dir = audit.resolve_checkpoint_dir(
        settings.audit_checkpoint_dir, data_dir=settings.data_dir, demo=settings.demo
    )
    engine = make_engine(
        settings.resolved_database_url(),
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout_s=settings.db_pool_timeout_s,
        busy_timeout_ms=settings.db_busy_timeout_ms,
    )
    if migrate:
        upgrade(engine)
    factory = make_session_factory(engine)
    audit_log = audit.AuditLog(
        factory,
        key,
        data_dir=settings.data_dir,
        checkpoint_dir=checkpoint_dir,
        checkpoint_interval_s=settings.audit_checkpoint_interval_s,
        syslog=settings.audit_checkpoint_syslog,
        demo=settings.demo,
        write_timeout_s=max(1.0, 2 * settings.db_busy_timeout_ms / 1000),
    )
    if start_audit:
        audit_log.start()
    from api.pipeline import after_job
    from api.worker import JobWorker

    app_state = AppState(
        settings=settings,
        engine=engine,
        session_factory=factory,
        policy=load_policy(settings.policy_file),
        evidence=EvidenceStore(settings.data_dir),
    )
    app_state.extras["audit_log"] = audit_log
    app_state.extras["worker_factory"] = JobWorker
    app_state.extras["after_job"] = after_job
    return app_state


def create_app(settings: Settings | None = None, *, state: AppState | None = None) -> FastAPI:
    settings = settings or Settings()
    app_state = state or build_state(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        worker = app_state.extras.get("worker_factory")
        if settings.run_worker and worker is not None:
            app_state.worker = worker(app_state)
            app_state.worker.start()
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
    )
    app.state.reisroute = app_state
    install_error_handlers(app)

    from api.routers import audit as audit_router
    from api.routers import auth, cases, health

    app.include_router(health.router)
    app.include_router(auth.router)
    app.include_router(cases.router)
    app.include_router(audit_router.router)
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

"""What the app holds for its lifetime: settings, engine, sessions, policy, evidence store, worker."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from casework.settings import Settings
from legal_basis.policy import Policy, load_policy
from store import audit
from store.db import make_engine, make_session_factory
from store.evidence import EvidenceStore
from store.migrate import upgrade


@dataclass
class AppState:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    policy: Policy
    evidence: EvidenceStore
    worker: Any = None
    extras: dict[str, Any] = field(default_factory=dict)


def build_state(settings: Settings, *, migrate: bool = True) -> AppState:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url())
    if migrate:
        upgrade(engine)
    factory = make_session_factory(engine)
    audit.install_anchor_hook(factory, settings.data_dir)
    from casework.jobs.worker import JobWorker
    from casework.route_versions import after_job

    app_state = AppState(
        settings=settings,
        engine=engine,
        session_factory=factory,
        policy=load_policy(settings.policy_file),
        evidence=EvidenceStore(settings.data_dir),
    )
    app_state.extras["worker_factory"] = JobWorker
    app_state.extras["after_job"] = after_job
    return app_state

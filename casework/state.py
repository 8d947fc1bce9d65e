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
from store.evidence import EvidenceStore, open_evidence_store
from store.keys import load_keyring
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


def build_state(settings: Settings, *, migrate: bool = True, start_audit: bool = True) -> AppState:
    """Everything the app holds. Refuses (``AuditKeyError``, ``OrganisationKeyError``) without an audit key,
    a checkpoint directory and an organisation key outside the data directory, unless in demo mode.
    ``start_audit=False``: no start checkpoint (verify)."""
    from casework.data_permissions import secure_data_at_rest

    secure_data_at_rest(settings.data_dir, settings.resolved_database_url())  # umask 077, 0700 / 0600
    key = audit.load_key(
        key_hex=settings.audit_key.get_secret_value() if settings.audit_key else None,
        key_file=settings.audit_key_file,
        data_dir=settings.data_dir,
        demo=settings.demo,
    )
    checkpoint_dir = audit.resolve_checkpoint_dir(
        settings.audit_checkpoint_dir, data_dir=settings.data_dir, demo=settings.demo
    )
    keyring = load_keyring(
        key_hex=settings.organisation_key.get_secret_value() if settings.organisation_key else None,
        key_file=settings.organisation_key_file,
        previous_key_file=settings.organisation_key_previous_file,
        data_dir=settings.data_dir,
        demo=settings.demo,
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
    from casework.jobs.worker import JobWorker
    from casework.route_versions import after_job

    app_state = AppState(
        settings=settings,
        engine=engine,
        session_factory=factory,
        policy=load_policy(settings.policy_file),
        evidence=open_evidence_store(
            settings.evidence_store, data_dir=settings.data_dir, keyring=keyring, engine=engine
        ),
    )
    app_state.extras["audit_log"] = audit_log
    app_state.extras["worker_factory"] = JobWorker
    app_state.extras["after_job"] = after_job
    return app_state

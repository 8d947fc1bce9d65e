"""What the app holds for its lifetime: settings, engine, sessions, policy, evidence store, worker."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from api.settings import Settings
from legal_basis.policy import Policy
from store.evidence import EvidenceStore


@dataclass
class AppState:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    policy: Policy
    evidence: EvidenceStore
    worker: Any = None
    extras: dict[str, Any] = field(default_factory=dict)

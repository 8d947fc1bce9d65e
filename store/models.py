"""SQLAlchemy 2.0 models. ORM objects never reach ``routing/`` or ``extractor/`` logic.

Audit entries carry ``case_id`` as a plain column, not a foreign key: the audit trail of a case outlives the
case's deletion at the end of retention.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from store.types import UTCDateTime, utcnow


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(120), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    roles: Mapped[list[Any]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()

    user: Mapped[User] = relationship()


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(64), unique=True)  # e.g. V-number
    title: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(32), default="open")  # open | deleted
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    retention_until: Mapped[datetime | None] = mapped_column(nullable=True)
    deleted_at: Mapped[datetime | None] = mapped_column(nullable=True)
    deletion_proof: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class Team(Base):
    """A working unit (intake desk, caseworkers, reviewers) that cases are assigned to. Managed by ``admin``."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TeamMember(Base):
    __tablename__ = "team_members"

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class CaseAssignment(Base):
    """Need-to-know: who may see and change a case. One row names either one user or one team (whose members
    at the time of each request count); the case's creator is assigned when the case is created."""

    __tablename__ = "case_assignments"
    __table_args__ = (
        UniqueConstraint("case_id", "user_id", name="uq_case_assignments_case_user"),
        UniqueConstraint("case_id", "team_id", name="uq_case_assignments_case_team"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=True, index=True
    )
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), nullable=True, index=True
    )
    assigned_by: Mapped[str] = mapped_column(String(120))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)


class Device(Base):
    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(16))  # android | ios | offline
    make: Mapped[str] = mapped_column(String(120), default="")
    model: Mapped[str] = mapped_column(String(120), default="")
    serial: Mapped[str | None] = mapped_column(String(120), nullable=True)
    seal_number: Mapped[str | None] = mapped_column(String(120), nullable=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    registered_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    registered_at: Mapped[datetime] = mapped_column(default=utcnow)


class Authorisation(Base):
    __tablename__ = "authorisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"), nullable=True)
    policy_version: Mapped[str] = mapped_column(String(64))
    ground_id: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(Text)
    necessity: Mapped[str] = mapped_column(Text)
    milder_means: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{means, tried_at, result}]
    categories: Mapped[list[Any]] = mapped_column(JSON, default=list)
    window_start: Mapped[datetime] = mapped_column()
    window_end: Mapped[datetime] = mapped_column()
    valid_until: Mapped[datetime] = mapped_column()
    status: Mapped[str] = mapped_column(
        String(20), default="requested"
    )  # requested|approved|refused|withdrawn
    requested_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(nullable=True)
    decision_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class ConsentRecord(Base):
    __tablename__ = "consent_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    authorisation_id: Mapped[int] = mapped_column(ForeignKey("authorisations.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(40))
    interpreter: Mapped[str | None] = mapped_column(String(200), nullable=True)
    refusal_without_consequence_explained: Mapped[bool] = mapped_column(Boolean)
    given: Mapped[bool] = mapped_column(Boolean)
    given_at: Mapped[datetime] = mapped_column()
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(nullable=True)
    withdrawal_recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class InformationNotice(Base):
    __tablename__ = "information_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(40))
    notice_version: Mapped[str] = mapped_column(String(64))
    interpreter: Mapped[str | None] = mapped_column(String(200), nullable=True)
    given_at: Mapped[datetime] = mapped_column()
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))


class AuditEntry(Base):
    """One link of the hash chain. There is no update or delete path in code; triggers refuse both."""

    __tablename__ = "audit_entries"
    # the compliance explorer pages newest-first by seq under one filter at a time (migration c17a_0003)
    __table_args__ = (
        Index("ix_audit_entries_at", "at"),
        Index("ix_audit_entries_actor_seq", "actor", "seq"),
        Index("ix_audit_entries_role_seq", "role", "seq"),
        Index("ix_audit_entries_action_seq", "action", "seq"),
        Index("ix_audit_entries_case_seq", "case_id", "seq"),
        Index("ix_audit_entries_object_seq", "object_type", "object_id", "seq"),
        Index("ix_audit_entries_case_actor_action", "case_id", "actor", "action"),
    )

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    at: Mapped[datetime] = mapped_column()
    actor: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    action: Mapped[str] = mapped_column(String(80))
    object_type: Mapped[str] = mapped_column(String(60), default="")
    object_id: Mapped[str] = mapped_column(String(120), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    # 1: unkeyed SHA-256 (rows from before keyed chaining), 2: HMAC-SHA256 under the key named by key_id
    chain_version: Mapped[int] = mapped_column(Integer, default=2, server_default="1")
    key_id: Mapped[str | None] = mapped_column(String(16), nullable=True)


class CaseKey(Base):
    """The case's evidence key, wrapped by the organisation key (``store.keys``). Destroying this row is
    crypto-erasure, for every station at once."""

    __tablename__ = "case_keys"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    # id of the organisation key that wraps it; None: the old per-data-directory master key
    wrapped_by: Mapped[str | None] = mapped_column(String(40), nullable=True)
    key_fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ExtractionJob(Base):
    __tablename__ = "extraction_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"))
    authorisation_id: Mapped[int] = mapped_column(ForeignKey("authorisations.id"))
    kind: Mapped[str] = mapped_column(String(32))  # adb | ios_usbmux | ios_backup | archive | google_export
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    # queued | running | interrupted | completed | failed | cancelled
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(nullable=True)
    worker_id: Mapped[str | None] = mapped_column(String(120), nullable=True)
    # the station the job is pinned to (the phone is plugged in there); None: any worker without a station
    station: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    items_done: Mapped[int] = mapped_column(Integer, default=0)
    items_total: Mapped[int] = mapped_column(Integer, default=0)
    bytes_done: Mapped[int] = mapped_column(BigInteger, default=0)
    bytes_total: Mapped[int] = mapped_column(BigInteger, default=0)
    identity: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    clock: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # {"start": {...}, "end": {...}}
    tool_versions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    outcomes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    scope: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    log: Mapped[list[Any]] = mapped_column(JSON, default=list)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # signs of a reset or second-hand phone (LEGAL 16), DeviceHistorySignal.to_dict() each; None: not computed
    device_history: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)


class CustodyRecord(Base):
    __tablename__ = "custody_items"
    __table_args__ = (UniqueConstraint("job_id", "item_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("extraction_jobs.id", ondelete="CASCADE"))
    item_key: Mapped[str] = mapped_column(String(200))
    device_path: Mapped[str] = mapped_column(Text)
    size: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    mtime: Mapped[datetime | None] = mapped_column(nullable=True)
    sha256_acquired: Mapped[str] = mapped_column(String(64))
    bytes_acquired: Mapped[int] = mapped_column(BigInteger)
    sha256_whole_file: Mapped[str | None] = mapped_column(String(64), nullable=True)
    artifact_id: Mapped[str] = mapped_column(String(80))
    method: Mapped[str] = mapped_column(Text)
    acquired_at: Mapped[datetime] = mapped_column()
    blob_name: Mapped[str] = mapped_column(String(80))
    records_count: Mapped[int] = mapped_column(Integer, default=0)
    dropped_outside_window: Mapped[int] = mapped_column(Integer, default=0)


class LocationRow(Base):
    __tablename__ = "location_records"
    __table_args__ = (Index("ix_location_records_case_time", "case_id", "time_utc"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    job_id: Mapped[int] = mapped_column(ForeignKey("extraction_jobs.id", ondelete="CASCADE"))
    custody_id: Mapped[int] = mapped_column(ForeignKey("custody_items.id", ondelete="CASCADE"))
    time_utc: Mapped[datetime] = mapped_column()
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float, nullable=True)
    altitude_m: Mapped[float | None] = mapped_column(Float, nullable=True)
    fix_kind: Mapped[str] = mapped_column(String(16))
    time_source: Mapped[str] = mapped_column(String(16))
    observation: Mapped[str] = mapped_column(String(16))
    artifact_id: Mapped[str] = mapped_column(String(80))
    source_path: Mapped[str] = mapped_column(Text)
    source_sha256: Mapped[str] = mapped_column(String(64))
    row_ref: Mapped[str] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    clock_offset_applied_s: Mapped[float] = mapped_column(Float, default=0.0)


class RouteVersion(Base):
    __tablename__ = "route_versions"
    __table_args__ = (UniqueConstraint("case_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    code_version: Mapped[str] = mapped_column(String(40))
    records_count: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # route_to_dict without points (stays, legs, crossings, gaps, statistics, parameters). Versions written
    # before columnar storage hold their points here too (``points`` key) and no points blob.
    route: Mapped[dict[str, Any]] = mapped_column(JSON)
    geojson: Mapped[dict[str, Any]] = mapped_column(JSON)
    # the points and their flags as an encrypted evidence blob in columnar form (store/route_store.py)
    points_blob: Mapped[str | None] = mapped_column(String(80), nullable=True)
    points_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    points_format: Mapped[str | None] = mapped_column(String(40), nullable=True)
    points_bytes: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class ClaimRow(Base):
    __tablename__ = "claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(32))
    place_text: Mapped[str] = mapped_column(Text)
    place: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)  # confirmed gazetteer place
    time_text: Mapped[str] = mapped_column(Text)
    interval: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class FindingSet(Base):
    """One matching run: findings for every claim against one route version. Kept as history."""

    __tablename__ = "finding_sets"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    route_version_id: Mapped[int | None] = mapped_column(ForeignKey("route_versions.id", ondelete="CASCADE"))
    code_version: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    coverage: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    limitations: Mapped[list[Any]] = mapped_column(JSON, default=list)
    released_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    released_at: Mapped[datetime | None] = mapped_column(nullable=True)
    release_note: Mapped[str | None] = mapped_column(Text, nullable=True)


class FindingRow(Base):
    __tablename__ = "findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_set_id: Mapped[int] = mapped_column(ForeignKey("finding_sets.id", ondelete="CASCADE"), index=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class EvidenceChunk(Base):
    """One sealed (AES-256-GCM) chunk of an evidence blob in the central database store
    (``store.evidence_db``). Plaintext never reaches this table."""

    __tablename__ = "evidence_chunks"

    blob_name: Mapped[str] = mapped_column(String(32), primary_key=True)
    chunk_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    # no foreign key: blobs are written in their own transaction, before the rows that name them commit
    case_id: Mapped[int] = mapped_column(Integer, index=True)
    final: Mapped[bool] = mapped_column(Boolean)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)


class Station(Base):
    """An intake station's worker and its heartbeat (``casework.stations``)."""

    __tablename__ = "stations"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    worker_id: Mapped[str | None] = mapped_column(String(120), nullable=True)
    host: Mapped[str] = mapped_column(String(255), default="")
    version: Mapped[str] = mapped_column(String(40), default="")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_heartbeat_at: Mapped[datetime] = mapped_column(default=utcnow)
    current_job_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    stopped_at: Mapped[datetime | None] = mapped_column(nullable=True)

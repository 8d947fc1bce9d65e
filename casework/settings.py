"""Settings from ``REISROUTE_*`` environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from store.db import default_sqlite_url


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REISROUTE_", extra="ignore")

    data_dir: Path = Field(default=Path("./data"), description="Evidence, keys, audit anchors, SQLite file")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; SQLite under data_dir if unset"
    )
    policy_file: Path | None = Field(default=None, description="Organisation's legal-basis policy (YAML)")
    token_ttl_minutes: int = 480
    run_worker: bool = True
    worker_poll_s: float = 0.5
    worker_nice: int = Field(
        default=10,
        ge=0,
        le=19,
        description="Niceness of the extraction worker's thread (and the threads it starts): extraction and "
        "route builds are batch work that gives way to readers on a busy machine; 0 = as the service",
    )
    tile_url: str | None = Field(default=None, description="Optional XYZ tile server run by the organisation")
    demo: bool = False
    gazetteer_dir: Path | None = Field(
        default=None, description="Gazetteer index cache (default: data_dir/gazetteer)"
    )

    audit_key_file: Path | None = Field(
        default=None, description="Audit-log key (hex), outside the data directory; required unless demo"
    )
    audit_key: SecretStr | None = Field(default=None, description="Audit-log key as hex (instead of a file)")
    audit_checkpoint_dir: Path | None = Field(
        default=None,
        description="Append-only directory outside the data directory for signed audit checkpoints",
    )
    audit_checkpoint_interval_s: float = Field(
        default=60.0, gt=0, description="Longest time between checkpoints"
    )
    audit_checkpoint_syslog: bool = Field(default=False, description="Also send each checkpoint to syslog")
    organisation_key_file: Path | None = Field(
        default=None,
        description="Organisation key (hex) that wraps every case key; the same file on every station and the "
        "central service, outside the data directory; required unless demo",
    )
    organisation_key: SecretStr | None = Field(
        default=None, description="Organisation key as hex (instead of a file)"
    )
    organisation_key_previous_file: Path | None = Field(
        default=None, description="During a key rotation: the old organisation key, still accepted to unwrap"
    )
    evidence_store: Literal["directory", "database"] = Field(
        default="directory",
        description="Where evidence blobs live: the data directory (one station) or the central PostgreSQL "
        "database shared by every station and the central service",
    )
    station: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$",
        description="This intake station's name; its worker claims only the jobs pinned to it",
    )
    station_heartbeat_s: float = Field(default=5.0, gt=0, description="Seconds between station heartbeats")
    station_dead_after_s: float = Field(
        default=30.0, gt=0, description="A station whose last heartbeat is older than this is shown dead"
    )
    db_pool_size: int = Field(default=20, ge=1, description="Database connections kept open")
    db_max_overflow: int = Field(default=10, ge=0, description="Extra connections under load")
    db_pool_timeout_s: float = Field(default=10.0, gt=0, description="Wait for a free connection, then 503")
    db_busy_timeout_ms: int = Field(
        default=5000, ge=0, description="SQLite: wait for the write lock, then 503"
    )

    sign_in_free_failures: int = Field(
        default=3, ge=1, description="Failed sign-ins per user name before the backoff starts"
    )
    sign_in_address_free_failures: int = Field(
        default=20, ge=1, description="Failed sign-ins per client address before the backoff starts"
    )
    sign_in_base_delay_s: float = Field(default=1.0, gt=0, description="First lockout; doubles per failure")
    sign_in_max_delay_s: float = Field(default=900.0, gt=0, description="Longest lockout")

    def resolved_gazetteer_dir(self) -> Path:
        return self.gazetteer_dir or self.data_dir / "gazetteer"

    def resolved_database_url(self) -> str:
        return self.database_url or default_sqlite_url(self.data_dir)

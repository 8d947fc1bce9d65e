"""Settings from ``REISROUTE_*`` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
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
    tile_url: str | None = Field(default=None, description="Optional XYZ tile server run by the organisation")
    demo: bool = False
    gazetteer_dir: Path | None = Field(
        default=None, description="Gazetteer index cache (default: data_dir/gazetteer)"
    )

    def resolved_gazetteer_dir(self) -> Path:
        return self.gazetteer_dir or self.data_dir / "gazetteer"

    def resolved_database_url(self) -> str:
        return self.database_url or default_sqlite_url(self.data_dir)

"""Alembic migrations, run programmatically (``reisroute db upgrade``) so they work from an installed package."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

from store.audit import APPEND_ONLY_TRIGGERS_POSTGRESQL, APPEND_ONLY_TRIGGERS_SQLITE

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def install_append_only_triggers(connection: object) -> None:
    """Called from the initial migration: the audit table refuses UPDATE and DELETE at the database."""
    dialect = connection.dialect.name  # type: ignore[attr-defined]
    statements = APPEND_ONLY_TRIGGERS_POSTGRESQL if dialect == "postgresql" else APPEND_ONLY_TRIGGERS_SQLITE
    for statement in statements:
        connection.execute(text(statement))  # type: ignore[attr-defined]

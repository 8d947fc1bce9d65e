"""The explorer's indexes migrate up and down; every audit action the code records has words in en and nl."""

from __future__ import annotations

import re
from pathlib import Path

from alembic import command
from sqlalchemy import inspect, text

import catalogue
from store.db import make_engine
from store.migrate import alembic_config, upgrade

ROOT = Path(__file__).resolve().parents[2]
EXPLORER_INDEXES = {
    "ix_audit_entries_at",
    "ix_audit_entries_actor_seq",
    "ix_audit_entries_role_seq",
    "ix_audit_entries_action_seq",
    "ix_audit_entries_case_seq",
    "ix_audit_entries_object_seq",
    "ix_audit_entries_case_actor_action",
}


def _indexes(engine) -> set[str]:  # type: ignore[no-untyped-def]
    return {index["name"] for index in inspect(engine).get_indexes("audit_entries")}


def test_explorer_indexes_migrate_up_and_down(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    try:
        upgrade(engine, "0002")
        assert not EXPLORER_INDEXES & _indexes(engine)
        upgrade(engine, "c17a_0003")
        assert EXPLORER_INDEXES <= _indexes(engine)
        with engine.connect() as connection:  # the append-only triggers survive
            triggers = connection.execute(
                text("SELECT name FROM sqlite_master WHERE type='trigger'")
            ).scalars()
            assert {"audit_entries_no_update", "audit_entries_no_delete"} <= set(triggers)
        config = alembic_config(engine.url.render_as_string(hide_password=False))
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0002")
        assert not EXPLORER_INDEXES & _indexes(engine)
    finally:
        engine.dispose()


ACTION_CALL = re.compile(
    r"""(?:record\(\s*session,\s*\w+,\s*|action=)(?:\n\s*)?"(?P<action>[a-z_]+(?:\.[a-z_]+)+)\"""", re.M
)


def test_every_recorded_action_has_words_in_both_languages() -> None:
    recorded: set[str] = set()
    for package in ("api", "casework", "legal_basis", "store"):
        for path in (ROOT / package).rglob("*.py"):
            source = path.read_text(encoding="utf-8")
            recorded |= {m.group("action") for m in ACTION_CALL.finditer(source)}
            # conditional actions: "a" if x else "b"
            recorded |= set(re.findall(r'"([a-z_]+\.[a-z_.]+)" if \w+ else "', source))
            recorded |= set(re.findall(r'\w+ else "([a-z_]+\.[a-z_.]+)",', source))
    assert len(recorded) > 40, sorted(recorded)
    labels = catalogue.group("audit_action")
    missing = sorted(recorded - set(labels))
    assert not missing, f"audit actions without words in catalogue/labels.toml: {missing}"
    for item in labels.values():
        assert item.en and item.nl and item.en != item.code

"""Engine, sessions and the unit of work.

SQLite by default (a file under the data directory), PostgreSQL in production. Services never commit:
``unit_of_work`` commits the action and its audit entry together, or neither.

Two kinds of transaction, so that readers never queue behind each other:

- **write** (the default): SQLite ``BEGIN IMMEDIATE`` — the write lock from the start, so two writers
  queue on ``busy_timeout`` instead of both reading the same chain head and one failing at commit;
  PostgreSQL an ordinary read-committed transaction (the chain head is locked only at commit).
- **read** (``read_only=True``; the API uses it for GET/HEAD): SQLite a deferred ``BEGIN`` with
  ``PRAGMA query_only`` on — in WAL mode readers take no lock at all and see a consistent snapshot;
  PostgreSQL ``SET TRANSACTION READ ONLY``. A read's audit entries are chained after the read transaction
  has ended, by the audit sequencer (``store.audit``), and are committed before the request returns.

SQLite runs in WAL mode with ``synchronous=FULL`` (a committed audit entry survives a power cut) and a
bounded ``busy_timeout``; both backends get a pool sized for concurrent requests and a pool timeout, and a
database still locked or unreachable after those surfaces as ``StoreUnavailable`` (HTTP 503, Retry-After).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

READ_ONLY_OPTION = "reisroute_read_only"
QUERY_ONLY_STATE = "reisroute_query_only"
DEFAULT_POOL_SIZE = 20
DEFAULT_MAX_OVERFLOW = 10
DEFAULT_POOL_TIMEOUT_S = 10.0
DEFAULT_BUSY_TIMEOUT_MS = 5000


def default_sqlite_url(data_dir: Path) -> str:
    return f"sqlite:///{(Path(data_dir) / 'reisroute.sqlite3').resolve()}"


def make_engine(
    url: str,
    *,
    pool_size: int = DEFAULT_POOL_SIZE,
    max_overflow: int = DEFAULT_MAX_OVERFLOW,
    pool_timeout_s: float = DEFAULT_POOL_TIMEOUT_S,
    busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
    **kwargs: Any,
) -> Engine:
    pool = {"pool_size": pool_size, "max_overflow": max_overflow, "pool_timeout": pool_timeout_s}
    if url.startswith("sqlite"):
        in_memory = ":memory:" in url or url.rstrip("/") in ("sqlite:", "sqlite+pysqlite:")
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000},
            **({} if in_memory else pool),
            **kwargs,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy, not the driver, open transactions, so that they can be BEGIN IMMEDIATE (below).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            cursor.execute("PRAGMA secure_delete=ON")  # deleted rows are overwritten, not left in free pages
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(connection: Any) -> None:
            options = connection.get_execution_options()
            if options.get("isolation_level") == "AUTOCOMMIT":
                return
            read_only = bool(options.get(READ_ONLY_OPTION))
            # query_only is the connection's own state: set only when it changes (a statement per read
            # saved; issue 18). ``connection.info`` lives as long as the pooled DBAPI connection.
            if connection.info.get(QUERY_ONLY_STATE) is not read_only:
                connection.exec_driver_sql(f"PRAGMA query_only={'ON' if read_only else 'OFF'}")
                connection.info[QUERY_ONLY_STATE] = read_only
            if read_only:
                connection.exec_driver_sql("BEGIN")
                return
            # A write transaction may append to the audit chain: take the write lock at the start, so two
            # writers queue (busy_timeout) instead of both reading the same chain head.
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine

    # PostgreSQL: a read transaction is READ ONLY through the driver's own flag (``postgresql_readonly``,
    # set with the read option in ``read_only_bind``): psycopg opens it with ``BEGIN READ ONLY``, no
    # ``SET TRANSACTION`` statement of its own.
    return create_engine(url, pool_pre_ping=True, **pool, **kwargs)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


_read_engines: dict[int, tuple[Engine, Engine]] = {}


def read_only_bind(engine: Engine) -> Engine:
    """The same engine (and pool) whose transactions are read transactions."""
    cached = _read_engines.get(id(engine))
    if cached is None or cached[0] is not engine:
        options: dict[str, Any] = {READ_ONLY_OPTION: True}
        if engine.dialect.name == "postgresql":
            options["postgresql_readonly"] = True
        cached = (engine, engine.execution_options(**options))
        _read_engines[id(engine)] = cached
    return cached[1]


def open_session(factory: sessionmaker[Session], *, read_only: bool = False) -> Session:
    """A session of the factory; ``read_only``: read transactions, audit entries through the sequencer."""
    if not read_only:
        return factory()
    bind = factory.kw["bind"]
    session = factory(bind=read_only_bind(bind))
    from store.audit import SEQUENCED

    session.info[SEQUENCED] = True
    return session


@contextmanager
def unit_of_work(factory: sessionmaker[Session], *, read_only: bool = False) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any error.

    Audit entries of a write commit with it. A read's entries, and entries appended with
    ``survive_rollback`` when the work failed, are committed by the audit sequencer before this returns.
    """
    from store.audit import LOG_KEY

    session = open_session(factory, read_only=read_only)
    audit_log = session.info.get(LOG_KEY)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        if audit_log is not None:
            audit_log.settle(session, succeeded=False)
        raise
    else:
        if audit_log is not None:
            audit_log.settle(session, succeeded=True)
    finally:
        session.close()


# --- deletion that deletes (issue 13, finding 6) ----------------------------------------------------------
# ``secure_delete`` (above) zeroes what a DELETE or UPDATE frees, but the pages' older versions stay in the
# WAL file until a checkpoint. A use case that deletes personal data marks its session; once that session has
# committed, the WAL is checkpointed and truncated to zero bytes. PostgreSQL has no equivalent switch: there,
# VACUUM (autovacuum) reclaims dead rows; see the README's security model.
CHECKPOINT_AFTER_COMMIT = "reisroute_checkpoint_after_commit"


def checkpoint_after_commit(session: Session) -> None:
    """Ask for ``checkpoint_wal`` once this session's transaction has committed."""
    session.info[CHECKPOINT_AFTER_COMMIT] = True


def checkpoint_wal(engine: Engine) -> tuple[int, int, int] | None:
    """SQLite: copy the WAL into the database and truncate it (``PRAGMA wal_checkpoint(TRUNCATE)``).
    Returns SQLite's (busy, log frames, checkpointed frames); None on other backends."""
    if engine.dialect.name != "sqlite":
        return None
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        row = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
    return int(row[0]), int(row[1]), int(row[2])


@event.listens_for(Session, "after_commit")
def _checkpoint_if_asked(session: Session) -> None:
    if not session.info.pop(CHECKPOINT_AFTER_COMMIT, False):
        return
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    try:
        session.info["wal_checkpoint"] = checkpoint_wal(engine)
    except DBAPIError:  # busy: the deletion is committed; the next checkpoint (automatic or asked) follows
        logging.getLogger(__name__).warning("WAL checkpoint after a deletion did not run", exc_info=True)

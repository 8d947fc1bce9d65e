"""Long reads (a full chain walk, a large export) in a session that takes no write lock.

On SQLite every transaction of the service begins IMMEDIATE (it may append to the audit chain), so a long read
inside a request's transaction would hold up every writer. These reads run with autocommit instead: the chain
is append-only, so reading it statement by statement sees a consistent prefix. The caller ends its own
transaction first and records the audit entry of the read afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.orm import Session


@contextmanager
def read_only_session(engine: Engine) -> Iterator[Session]:
    with Session(bind=engine.execution_options(isolation_level="AUTOCOMMIT")) as session:
        yield session

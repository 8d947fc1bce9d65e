"""Read transactions refuse writes, and a write transaction on the same pooled connection still writes (issue 18).

The read mode is set only when it changes: SQLite's ``PRAGMA query_only`` is connection state kept in the
pool's record of the connection; PostgreSQL's READ ONLY comes from the driver's flag (``BEGIN READ ONLY``).
With a pool of one connection every transaction below runs on the same DBAPI connection, so a mode left
behind by the previous transaction would show.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, insert, select
from sqlalchemy.exc import DBAPIError

from store.db import make_engine, make_session_factory, unit_of_work
from store.models import Team


@pytest.mark.parametrize("order", ["read-first", "write-first"])
def test_read_and_write_transactions_alternate_on_one_connection(database_url: str, order: str) -> None:
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    factory = make_session_factory(engine)
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    try:

        def write(name: str) -> None:
            with unit_of_work(factory) as session:
                session.execute(insert(Team).values(name=name))

        def refused_write(name: str) -> None:
            with pytest.raises(DBAPIError) as raised, unit_of_work(factory, read_only=True) as session:
                session.execute(insert(Team).values(name=name))
            assert "read" in str(raised.value.orig).lower()  # readonly database / read-only transaction

        def count() -> int:
            with unit_of_work(factory, read_only=True) as session:
                return int(session.scalar(select(func.count()).select_from(Team)) or 0)

        if order == "read-first":
            assert count() == 0
            refused_write("r1")
        write("w1")
        refused_write("r2")
        refused_write("r3")
        write("w2")
        write("w3")
        assert count() == 3
        refused_write("r4")
        write("w4")
        assert count() == 4

        with unit_of_work(factory, read_only=True) as session:
            names = set(session.scalars(select(Team.name)))
        assert names == {"w1", "w2", "w3", "w4"}
        if engine.dialect.name == "sqlite":
            # the mode is switched when it changes, not set on every transaction
            switches = [s for s in statements if s.startswith("PRAGMA query_only")]
            transactions = sum(1 for s in statements if s in ("BEGIN", "BEGIN IMMEDIATE"))
            assert 0 < len(switches) < transactions
        else:
            assert not [s for s in statements if "SET TRANSACTION" in s]
    finally:
        engine.dispose()

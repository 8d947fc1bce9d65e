"""The central evidence store: sealed chunks in a table of the organisation's PostgreSQL database.

Why PostgreSQL itself and not an S3-compatible object store: a station then needs nothing but the database
connection it already has for jobs (no second service to run, secure, back up and keep consistent with the
database); one backup of the database holds records *and* evidence at the same point in time; and deleting a
case's blobs commits in the same transaction as the destruction of its key and the audit entry that proves
it — no window in which a key is gone but blobs linger in another system, or the reverse. The cost is
database size and write throughput, measured in ``bench/bench_evidence_store.py`` (``bench/README.md``).

Each row is one AES-256-GCM chunk of at most 1 MiB plaintext (``store.evidence``), so nothing unencrypted
reaches the database, a read streams chunk by chunk, and no row approaches PostgreSQL's 1 GB field limit.
The ``final`` flag is kept in the row and authenticated with the chunk, so dropping the last rows of a blob
is detected. Rows are written with ``COPY ... (FORMAT BINARY)`` in their own transaction; like a blob file,
a chunk no custody row names is noise (an interrupted batch), never evidence.

The store is PostgreSQL-only: on SQLite a second connection writing blobs would queue behind the session's
own write lock (one station with SQLite keeps the directory store).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from store import keys
from store.errors import EvidenceIntegrityError, StoreError
from store.evidence import EvidenceStore
from store.models import EvidenceChunk

PENDING_BYTES = 32 * 1024 * 1024  # batched (``durable=False``) chunks are written at latest at this size
READ_PAGE_CHUNKS = 8  # chunks (≤ 1 MiB each) fetched per query when reading a blob
_COPY = "COPY evidence_chunks (blob_name, chunk_index, case_id, final, sealed) FROM STDIN (FORMAT BINARY)"
_COPY_TYPES = ["varchar", "int4", "int4", "bool", "bytea"]


class DatabaseEvidenceStore(EvidenceStore):
    def __init__(self, engine: Engine, keyring: keys.Keyring) -> None:
        if engine.dialect.name != "postgresql":
            raise StoreError(
                "the database evidence store needs PostgreSQL (REISROUTE_DATABASE_URL); with SQLite keep "
                "REISROUTE_EVIDENCE_STORE=directory"
            )
        super().__init__(keyring)
        self._engine = engine
        self.location = f"database:{engine.url.render_as_string(hide_password=True)}"
        self._pending: list[tuple[str, int, int, bool, bytes]] = []
        self._pending_bytes = 0
        self._lock = threading.Lock()

    def _write(
        self, case_id: int, blob_name: str, sealed: Iterable[tuple[int, bool, bytes]], *, durable: bool
    ) -> None:
        with self._lock:
            for index, final, chunk in sealed:
                self._pending.append((blob_name, index, int(case_id), final, chunk))
                self._pending_bytes += len(chunk)
                if self._pending_bytes >= PENDING_BYTES:
                    self._flush_locked()
            if durable:
                self._flush_locked()

    def sync(self, case_id: int) -> None:
        """Commit every chunk still waiting (each commit is durable: PostgreSQL's WAL is flushed)."""
        with self._lock:
            self._flush_locked()

    def _flush_locked(self) -> None:
        if not self._pending:
            return
        rows, self._pending, self._pending_bytes = self._pending, [], 0
        with self._engine.begin() as connection:
            driver = connection.connection.driver_connection
            with driver.cursor() as cursor, cursor.copy(_COPY) as copy:  # type: ignore[union-attr]
                copy.set_types(_COPY_TYPES)
                for row in rows:
                    copy.write_row(row)

    def _read(self, case_id: int, blob_name: str) -> Iterator[tuple[bytes, bool | None]]:
        """Pages of :data:`READ_PAGE_CHUNKS` chunks by index (keyset): memory stays bounded for a big blob and
        a small one costs one plain query (no server-side cursor)."""
        expected = 0
        while True:
            with self._engine.connect() as connection:
                page = connection.execute(
                    select(EvidenceChunk.chunk_index, EvidenceChunk.final, EvidenceChunk.sealed)
                    .where(
                        EvidenceChunk.blob_name == blob_name,
                        EvidenceChunk.case_id == int(case_id),
                        EvidenceChunk.chunk_index >= expected,
                    )
                    .order_by(EvidenceChunk.chunk_index)
                    .limit(READ_PAGE_CHUNKS)
                ).all()
            if not page and expected == 0:
                raise EvidenceIntegrityError(f"evidence blob {blob_name} of case {case_id} is missing")
            for index, final, sealed in page:
                if index != expected:
                    raise EvidenceIntegrityError(f"evidence blob {blob_name} lacks chunk {expected}")
                expected += 1
                yield bytes(sealed), bool(final)
                if final:
                    return
            if len(page) < READ_PAGE_CHUNKS:
                return  # no final chunk: the caller reports the blob truncated

    def _delete_blobs(self, session: Session, case_id: int) -> list[str]:
        with self._lock:  # chunks of this case still waiting would otherwise be written after the delete
            self._pending = [row for row in self._pending if row[2] != int(case_id)]
            self._pending_bytes = sum(len(row[4]) for row in self._pending)
        names = list(
            session.scalars(
                select(EvidenceChunk.blob_name).where(EvidenceChunk.case_id == int(case_id)).distinct()
            )
        )
        session.execute(delete(EvidenceChunk).where(EvidenceChunk.case_id == int(case_id)))
        return names

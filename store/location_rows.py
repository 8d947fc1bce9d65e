"""Location records in bulk: insert many rows at once and read a case's records back as columns.

Both bypass the ORM's per-row work. Inserting uses the driver directly inside the session's transaction:
``executemany`` on SQLite, ``COPY ... FROM STDIN`` on PostgreSQL, a Core ``insert`` elsewhere. Reading
uses the driver's cursor in batches, parses SQLite's time texts in bulk (exact microseconds) and asks
PostgreSQL for epoch seconds, instead of building a ``datetime`` per row; the values equal
``datetime.timestamp()`` of the stored time.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import insert
from sqlalchemy.orm import Session

from store.models import LocationRow

#: column order of the tuples given to :func:`insert_location_rows`
INSERT_COLUMNS = (
    "case_id",
    "job_id",
    "custody_id",
    "time_utc",
    "lat",
    "lon",
    "accuracy_m",
    "altitude_m",
    "fix_kind",
    "time_source",
    "observation",
    "artifact_id",
    "source_path",
    "source_sha256",
    "row_ref",
    "note",
    "clock_offset_applied_s",
)
_TIME = INSERT_COLUMNS.index("time_utc")
CORE_BATCH = 5_000
FETCH_BATCH = 100_000


def _sqlite_time(moment: datetime) -> str:
    """SQLAlchemy's SQLite DATETIME storage format for a UTC moment (what ``UTCDateTime`` stores)."""
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r} cannot be stored: give it a timezone")
    t = moment.astimezone(UTC)
    return f"{t.year:04d}-{t.month:02d}-{t.day:02d} {t.hour:02d}:{t.minute:02d}:{t.second:02d}.{t.microsecond:06d}"


def insert_location_rows(session: Session, rows: Iterable[tuple[Any, ...]]) -> None:
    """Insert rows (tuples in :data:`INSERT_COLUMNS` order, aware UTC times) in the session's transaction.
    ``rows`` may be a generator: it is consumed in batches, never held whole."""
    connection = session.connection()
    dialect = connection.dialect.name
    driver = connection.connection.dbapi_connection
    if dialect == "sqlite" and driver is not None:
        sql = (
            f"INSERT INTO location_records ({', '.join(INSERT_COLUMNS)}) "
            f"VALUES ({', '.join('?' for _ in INSERT_COLUMNS)})"
        )
        cursor = driver.cursor()
        try:
            cursor.executemany(
                sql,
                ((*row[:_TIME], _sqlite_time(row[_TIME]), *row[_TIME + 1 :]) for row in rows),  # type: ignore[arg-type]
            )
        finally:
            cursor.close()
        return
    if dialect == "postgresql" and driver is not None and hasattr(driver, "cursor"):
        with driver.cursor() as cursor:  # type: ignore[attr-defined]
            copy_sql = f"COPY location_records ({', '.join(INSERT_COLUMNS)}) FROM STDIN"
            with cursor.copy(copy_sql) as copy:
                for row in rows:
                    copy.write_row(row)
        return
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(dict(zip(INSERT_COLUMNS, row, strict=True)))
        if len(batch) >= CORE_BATCH:
            session.execute(insert(LocationRow), batch)
            batch = []
    if batch:
        session.execute(insert(LocationRow), batch)


def load_location_columns(session: Session, case_id: int) -> dict[str, np.ndarray]:
    """The case's records as columns in time order (then id): ``record_id``, ``time_s`` (UTC seconds),
    ``lat``, ``lon``, ``accuracy_m`` and ``altitude_m`` (NaN: unknown), and the string columns
    ``fix_kind``, ``time_source``, ``observation``, ``artifact``. Empty dict when there are none."""
    connection = session.connection()
    dialect = connection.dialect.name
    if dialect == "sqlite":
        time_expression = "time_utc"  # text 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC), parsed below in bulk
        placeholder: str = "?"
        parameters: Any = (case_id,)
    elif dialect == "postgresql":
        time_expression = "EXTRACT(EPOCH FROM time_utc)::float8"
        placeholder, parameters = "%(case_id)s", {"case_id": case_id}
    else:
        return _load_with_orm(session, case_id)
    sql = (
        f"SELECT id, {time_expression}, lat, lon, accuracy_m, fix_kind, time_source, observation, "
        f"artifact_id, altitude_m FROM location_records WHERE case_id = {placeholder} ORDER BY time_utc, id"
    )
    driver = connection.connection.dbapi_connection
    assert driver is not None
    cursor = driver.cursor()  # the driver's own cursor: no per-row work in SQLAlchemy
    try:
        cursor.execute(sql, parameters)
        return _columns_from_cursor(cursor, sqlite_text_times=dialect == "sqlite")
    finally:
        cursor.close()


def _sqlite_times_us(texts: tuple[Any, ...]) -> np.ndarray:
    """Integer microseconds since the epoch of SQLite DATETIME texts (exact; parsed in C by pandas)."""
    parsed = pd.to_datetime(pd.Series(texts, dtype=object), format="%Y-%m-%d %H:%M:%S.%f")
    return np.asarray(parsed.to_numpy(dtype="datetime64[us]").astype(np.int64))


class _Labels:
    """Strings of one column as codes into a growing label list (one str object per distinct value)."""

    def __init__(self) -> None:
        self.labels: list[str] = []
        self.index: dict[str, int] = {}
        self.codes: list[np.ndarray] = []

    def add(self, values: tuple[Any, ...]) -> None:
        codes, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=False)
        mapping = np.empty(len(uniques), dtype=np.int32)
        for k, value in enumerate(uniques):
            text = str(value)
            if text not in self.index:
                self.index[text] = len(self.labels)
                self.labels.append(text)
            mapping[k] = self.index[text]
        self.codes.append(mapping[codes])

    def column(self) -> np.ndarray:
        codes = np.concatenate(self.codes) if self.codes else np.zeros(0, dtype=np.int32)
        return np.asarray(self.labels, dtype=object)[codes] if self.labels else np.zeros(0, dtype=object)


def _columns_from_cursor(result: Any, *, sqlite_text_times: bool) -> dict[str, np.ndarray]:
    """Columns from (id, time, lat, lon, accuracy, fix kind, clock, observation, artifact, altitude) rows,
    fetched in batches so that a million rows never exist as Python tuples at once."""
    numbers: dict[str, list[np.ndarray]] = {
        name: [] for name in ("record_id", "time", "lat", "lon", "accuracy_m", "altitude_m")
    }
    labels = {name: _Labels() for name in ("fix_kind", "time_source", "observation", "artifact")}
    while True:
        rows = result.fetchmany(FETCH_BATCH)
        if not rows:
            break
        ids, times, lat, lon, accuracy, fix, clock, observation, artifact, altitude = zip(*rows, strict=True)
        del rows
        numbers["record_id"].append(np.asarray(ids, dtype=np.int64))
        numbers["time"].append(
            _sqlite_times_us(times) if sqlite_text_times else np.asarray(times, dtype=np.float64)
        )
        numbers["lat"].append(np.asarray(lat, dtype=np.float64))
        numbers["lon"].append(np.asarray(lon, dtype=np.float64))
        numbers["accuracy_m"].append(np.asarray(accuracy, dtype=np.float64))  # None becomes NaN
        numbers["altitude_m"].append(np.asarray(altitude, dtype=np.float64))
        for name, values in (("fix_kind", fix), ("time_source", clock), ("observation", observation)):
            labels[name].add(values)
        labels["artifact"].add(artifact)
    if not numbers["record_id"]:
        return {}
    joined = {name: np.concatenate(chunks) for name, chunks in numbers.items()}
    time_values = joined.pop("time")
    return {
        "record_id": joined["record_id"],
        "time_s": time_values / 1e6 if sqlite_text_times else time_values,
        "lat": joined["lat"],
        "lon": joined["lon"],
        "accuracy_m": joined["accuracy_m"],
        "fix_kind": labels["fix_kind"].column(),
        "time_source": labels["time_source"].column(),
        "observation": labels["observation"].column(),
        "artifact": labels["artifact"].column(),
        "altitude_m": joined["altitude_m"],
    }


def _load_with_orm(session: Session, case_id: int) -> dict[str, np.ndarray]:
    from sqlalchemy import select

    rows = session.execute(
        select(
            LocationRow.id,
            LocationRow.time_utc,
            LocationRow.lat,
            LocationRow.lon,
            LocationRow.accuracy_m,
            LocationRow.fix_kind,
            LocationRow.time_source,
            LocationRow.observation,
            LocationRow.artifact_id,
            LocationRow.altitude_m,
        )
        .where(LocationRow.case_id == case_id)
        .order_by(LocationRow.time_utc, LocationRow.id)
    ).all()
    if not rows:
        return {}
    ids, times, lat, lon, accuracy, fix, clock, observation, artifact, altitude = zip(*rows, strict=True)
    return {
        "record_id": np.asarray(ids, dtype=np.int64),
        "time_s": np.asarray([t.timestamp() for t in times], dtype=np.float64),
        "lat": np.asarray(lat, dtype=np.float64),
        "lon": np.asarray(lon, dtype=np.float64),
        "accuracy_m": np.asarray(accuracy, dtype=np.float64),
        "fix_kind": np.asarray(fix, dtype=object),
        "time_source": np.asarray(clock, dtype=object),
        "observation": np.asarray(observation, dtype=object),
        "artifact": np.asarray(artifact, dtype=object),
        "altitude_m": np.asarray(altitude, dtype=np.float64),
    }

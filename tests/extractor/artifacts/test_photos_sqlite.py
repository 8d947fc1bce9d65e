"""Photos.sqlite: ZASSET and ZGENERICASSET, -180 sentinel, LEGAL 15 from ZIMPORTEDBY and camera model, WAL rows."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from extractor.artifacts.common.parse_summary import collect
from extractor.artifacts.ios import photos_sqlite
from extractor.artifacts.spec import ParseContext
from extractor.errors import ArtifactCorrupted
from extractor.records import FixKind, Observation, TimeSource
from extractor.simulator.ios_phone_builder import default_journey, write_photos_sqlite
from tests.extractor.artifacts.fixtures import (
    PHOTOS_COCOA_BASE_S,
    make_item,
    photos_rows,
    write_photos_db,
)

IPHONE_13 = ParseContext(device_make="Apple", device_model="iPhone14,5")


def _parse(data: bytes, companions: dict[str, bytes] | None = None, ctx: ParseContext = IPHONE_13):
    return collect(photos_sqlite.parse(make_item(data, "Media/PhotoData/Photos.sqlite", companions), ctx))


@pytest.mark.parametrize(
    ("table", "variant"), [("ZASSET", "ZASSET (iOS 14+)"), ("ZGENERICASSET", "ZGENERICASSET (iOS 11-13)")]
)
def test_assets_with_locations(tmp_path: Path, table: str, variant: str) -> None:
    path = tmp_path / "Photos.sqlite"
    write_photos_db(path, photos_rows(), table=table)
    records, summary = _parse(path.read_bytes())
    assert summary is not None and summary.variant == variant
    assert summary.rows_read == 5 and summary.skipped_no_location == 1 and summary.skipped_invalid == 1
    by_ref = {r.row_ref: r for r in records}
    assert set(by_ref) == {f"{table}.Z_PK=1", f"{table}.Z_PK=3", f"{table}.Z_PK=4"}
    own = by_ref[f"{table}.Z_PK=1"]
    assert own.time_utc == datetime(2024, 2, 19, 1, 46, 40, tzinfo=UTC)
    assert own.time_source is TimeSource.DEVICE_CLOCK and own.fix_kind is FixKind.EXIF
    assert own.observation is Observation.OWN and own.accuracy_m == 5.0
    assert own.note == "DCIM/100APPLE/IMG_0001.HEIC"
    assert by_ref[f"{table}.Z_PK=3"].observation is Observation.RECEIVED
    assert "third-party app" in (by_ref[f"{table}.Z_PK=3"].note or "")
    assert by_ref[f"{table}.Z_PK=4"].observation is Observation.RECEIVED
    assert "samsung SM-A525F" in (by_ref[f"{table}.Z_PK=4"].note or "")


def test_without_device_identity_nothing_is_own(tmp_path: Path) -> None:
    path = tmp_path / "Photos.sqlite"
    write_photos_db(path, photos_rows())
    records, _ = _parse(path.read_bytes(), ctx=ParseContext())
    assert Observation.OWN not in {r.observation for r in records}


def test_rows_only_in_the_wal_are_read(tmp_path: Path) -> None:
    path = tmp_path / "Photos.sqlite"
    late = {
        "pk": 9,
        "lat": 45.8,
        "lon": 15.97,
        "created": PHOTOS_COCOA_BASE_S + 86400,
        "filename": "IMG_0009.HEIC",
        "imported_by": 1,
        "make": "Apple",
        "model": "iPhone 13",
    }
    write_photos_db(path, photos_rows(), wal_rows=[late])
    database = (tmp_path / "Photos.sqlite.snapshot").read_bytes()
    wal = (tmp_path / "Photos.sqlite-wal.snapshot").read_bytes()
    assert len(wal) > 0
    without_wal, _ = _parse(database)
    with_wal, summary = _parse(database, {"-wal": wal})
    assert "ZASSET.Z_PK=9" not in {r.row_ref for r in without_wal}
    assert "ZASSET.Z_PK=9" in {r.row_ref for r in with_wal}
    assert summary is not None and any("with its WAL" in n for n in summary.notes)


def test_simulator_builder_database_is_readable(tmp_path: Path) -> None:
    """The iPhone simulator's Photos.sqlite (written by another module) must parse with this parser."""
    photos = default_journey(5)
    path = tmp_path / "Photos.sqlite"
    write_photos_sqlite(path, photos, [1000] * len(photos))
    records, summary = _parse(
        path.read_bytes(), ctx=ParseContext(device_make="Apple", device_model="iPhone14,5")
    )
    located = [p for p in photos if p.lat is not None]
    assert summary is not None and summary.rows_read == len(photos)
    assert len(records) == len(located)
    for record, photo in zip(records, located, strict=True):
        assert record.time_utc == photo.taken_utc and record.lat == pytest.approx(photo.lat)


def test_corrupt_and_foreign_databases(tmp_path: Path) -> None:
    with pytest.raises(ArtifactCorrupted, match="damaged or not a Photos.sqlite"):
        _parse(b"SQLite format 3\x00" + b"\xff" * 5000)
    with pytest.raises(ArtifactCorrupted):
        _parse(b"not a database at all" * 100)
    other = tmp_path / "other.sqlite"
    import sqlite3

    connection = sqlite3.connect(other)
    connection.execute("CREATE TABLE messages (id INTEGER)")
    connection.commit()
    connection.close()
    with pytest.raises(ArtifactCorrupted, match="neither a ZASSET nor a ZGENERICASSET"):
        _parse(other.read_bytes())
    path = tmp_path / "Photos.sqlite"
    write_photos_db(path, photos_rows())
    data = path.read_bytes()
    with pytest.raises(ArtifactCorrupted):
        _parse(data[: len(data) // 2])

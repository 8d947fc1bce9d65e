"""iPhone Photos library database ``Media/PhotoData/Photos.sqlite``: one record per asset with a location.

Acquired from a (filtered) MobileBackup2 backup (``CameraRollDomain``) with its ``-wal``/``-shm`` companions.
The parser copies the database and companions into a private temporary directory and opens the *copy*
read-only. ``immutable=1`` is used only when no ``-wal`` came with it: SQLite ignores the WAL of an immutable
database, so rows committed since the last checkpoint would silently vanish (verified in the tests).

Schema variants: the asset table is ``ZASSET`` on iOS 14+ and ``ZGENERICASSET`` on iOS 11–13 (same column
names); the summary's ``variant`` says which. Columns used: ``Z_PK``; ``ZLATITUDE``/``ZLONGITUDE`` (degrees;
−180 means "no location" and the row is skipped and counted); ``ZDATECREATED`` (Cocoa seconds since
2001-01-01 UTC, the capture time as the device's clock had it → ``TimeSource.DEVICE_CLOCK``);
``ZDIRECTORY``/``ZFILENAME`` (named in the note); ``ZTRASHEDSTATE`` (1 = in "Recently Deleted", noted).
When present: ``ZADDITIONALASSETATTRIBUTES.ZIMPORTEDBY`` (who put the asset in the library) and
``ZGPSHORIZONTALACCURACY``; ``ZEXTENDEDATTRIBUTES.ZCAMERAMAKE``/``ZCAMERAMODEL``.

Observation (LEGAL 15): OWN only when ZIMPORTEDBY says the native camera (1 back, 2 front) *and* the camera
make/model match the device. Imports by third-party apps (3, 6), iCloud shared links (7) and "Shared with You"
(12), or another camera make/model → RECEIVED. Anything that cannot be checked → UNKNOWN: with iCloud Photos
the library also holds photos taken by the owner's other devices.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from collections.abc import Generator
from pathlib import Path
from typing import Any

from extractor.artifacts.common.parse_summary import ParseSummary, SummaryCounter, build_record
from extractor.artifacts.common.photo_records import models_match
from extractor.artifacts.spec import (
    AcquiredItem,
    AcquireMode,
    ArtifactSpec,
    DataCategory,
    ParseContext,
    Platform,
)
from extractor.errors import ArtifactCorrupted
from extractor.records import FixKind, LocationRecord, Observation, TimeSource
from extractor.timestamps import from_cocoa_s

SPEC = ArtifactSpec(
    id="ios.photos_sqlite",
    title="Photos library database (Photos.sqlite): asset locations and capture times",
    platform=Platform.IOS,
    category=DataCategory.PHOTO_METADATA,
    path_globs=(
        "Media/PhotoData/Photos.sqlite",
        "**/Media/PhotoData/Photos.sqlite",
        "/PhotoData/Photos.sqlite",
    ),
    mode=AcquireMode.WHOLE,
    companion_suffixes=("-wal", "-shm"),
    formats=("SQLite (Core Data): ZASSET (iOS 14+) or ZGENERICASSET (iOS 11-13)",),
    references=(
        "Core Data SQLite layout of Photos.sqlite (Z_PK, Z_ENT; Cocoa-epoch timestamps)",
        "S. Koenig, Photos.sqlite query research (ZIMPORTEDBY values, ZADDITIONALATTRIBUTES/ZEXTENDEDATTRIBUTES joins)",
        "SQLite URI parameters mode=ro, immutable=1 (immutable ignores the WAL)",
    ),
    verified_on=(
        "tests/extractor/artifacts/test_photos_sqlite.py: generated ZASSET db (5 rows: 3 located, 1 at -180, "
        "1 out of range) → 3 records; ZGENERICASSET variant; WAL-only rows; corrupt file",
    ),
)

_NO_LOCATION = -180.0
_NATIVE_CAMERA = {1: "native back camera", 2: "native front camera"}
_RECEIVED_IMPORTS = {
    3: "a third-party app",
    6: "a third-party app",
    7: "an iCloud shared link",
    12: "Shared with You",
}


def _columns(connection: sqlite3.Connection, table: str) -> set[str]:
    return {row[1].upper() for row in connection.execute(f'PRAGMA table_info("{table}")')}


def _tables(connection: sqlite3.Connection) -> set[str]:
    return {
        row[0].upper() for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }


def _build_query(connection: sqlite3.Connection, counter: SummaryCounter) -> str:
    tables = _tables(connection)
    if "ZASSET" in tables:
        asset = "ZASSET"
        counter.variant = "ZASSET (iOS 14+)"
    elif "ZGENERICASSET" in tables:
        asset = "ZGENERICASSET"
        counter.variant = "ZGENERICASSET (iOS 11-13)"
    else:
        raise ArtifactCorrupted(
            "Photos.sqlite has neither a ZASSET nor a ZGENERICASSET table: not a Photos library"
        )
    asset_columns = _columns(connection, asset)
    required = {"Z_PK", "ZLATITUDE", "ZLONGITUDE", "ZDATECREATED"}
    if not required <= asset_columns:
        raise ArtifactCorrupted(f"{asset} lacks columns {sorted(required - asset_columns)}")

    def asset_column(name: str) -> str:
        return f"a.{name}" if name in asset_columns else "NULL"

    select = [
        "a.Z_PK",
        "a.ZLATITUDE",
        "a.ZLONGITUDE",
        "a.ZDATECREATED",
        asset_column("ZDIRECTORY"),
        asset_column("ZFILENAME"),
        asset_column("ZTRASHEDSTATE"),
    ]
    joins = []
    if "ZADDITIONALASSETATTRIBUTES" in tables:
        extra = _columns(connection, "ZADDITIONALASSETATTRIBUTES")
        if "ZADDITIONALATTRIBUTES" in asset_columns:
            joins.append("LEFT JOIN ZADDITIONALASSETATTRIBUTES x ON x.Z_PK = a.ZADDITIONALATTRIBUTES")
        elif "ZASSET" in extra:
            joins.append("LEFT JOIN ZADDITIONALASSETATTRIBUTES x ON x.ZASSET = a.Z_PK")
        else:
            extra = set()
        select += [f"x.{c}" if c in extra else "NULL" for c in ("ZIMPORTEDBY", "ZGPSHORIZONTALACCURACY")]
    else:
        select += ["NULL", "NULL"]
    if "ZEXTENDEDATTRIBUTES" in tables and "ZEXTENDEDATTRIBUTES" in asset_columns:
        extended = _columns(connection, "ZEXTENDEDATTRIBUTES")
        joins.append("LEFT JOIN ZEXTENDEDATTRIBUTES e ON e.Z_PK = a.ZEXTENDEDATTRIBUTES")
        select += [f"e.{c}" if c in extended else "NULL" for c in ("ZCAMERAMAKE", "ZCAMERAMODEL")]
    else:
        select += ["NULL", "NULL"]
    return f"SELECT {', '.join(select)} FROM {asset} a {' '.join(joins)} ORDER BY a.Z_PK"


def _observation(
    imported_by: Any, make: Any, model: Any, ctx: ParseContext
) -> tuple[Observation, str | None]:
    if isinstance(imported_by, int) and imported_by in _RECEIVED_IMPORTS:
        return (
            Observation.RECEIVED,
            f"imported into the library by {_RECEIVED_IMPORTS[imported_by]} (ZIMPORTEDBY={imported_by})",
        )
    has_make_model = isinstance(make, str) and isinstance(model, str) and make and model
    if has_make_model and ctx.device_make and ctx.device_model:
        if not models_match(make, model, ctx.device_make, ctx.device_model):
            return (
                Observation.RECEIVED,
                f"taken by {make} {model}, not by this device ({ctx.device_make} {ctx.device_model})",
            )
        if imported_by in _NATIVE_CAMERA:
            return Observation.OWN, None
        return (
            Observation.UNKNOWN,
            f"camera make/model match but ZIMPORTEDBY={imported_by} is not the native camera",
        )
    if imported_by in _NATIVE_CAMERA:
        return (
            Observation.UNKNOWN,
            f"{_NATIVE_CAMERA[imported_by]}, but no camera make/model to confirm this device took it "
            "(iCloud Photos can hold other devices' photos)",
        )
    return Observation.UNKNOWN, "the database does not say which device took this photo"


def _private_copy(item: AcquiredItem, directory: Path) -> tuple[Path, bool]:
    database = directory / "Photos.sqlite"
    with item.open() as source, database.open("wb") as target:
        shutil.copyfileobj(source, target, 1 << 20)
    has_wal = False
    for suffix, opener in item.companions.items():
        if suffix not in ("-wal", "-shm"):
            continue
        with opener() as source, (directory / f"Photos.sqlite{suffix}").open("wb") as target:
            shutil.copyfileobj(source, target, 1 << 20)
        has_wal = has_wal or (suffix == "-wal" and (directory / "Photos.sqlite-wal").stat().st_size > 0)
    return database, has_wal


def parse(item: AcquiredItem, ctx: ParseContext) -> Generator[LocationRecord, None, ParseSummary]:
    counter = SummaryCounter()
    with tempfile.TemporaryDirectory(prefix="reisroute-photos-") as temporary:
        database, has_wal = _private_copy(item, Path(temporary))
        uri = database.as_uri() + ("?mode=ro" if has_wal else "?mode=ro&immutable=1")
        counter.note(
            "opened a private copy read-only" + (" with its WAL" if has_wal else " (no WAL came with it)")
        )
        try:
            connection = sqlite3.connect(uri, uri=True)
        except sqlite3.Error as exc:
            raise ArtifactCorrupted(f"{item.device_path}: cannot open as SQLite: {exc}") from exc
        try:
            try:
                query = _build_query(connection, counter)
                rows = connection.execute(query)
                yield from _records(rows, item, ctx, counter)
            except sqlite3.DatabaseError as exc:
                raise ArtifactCorrupted(
                    f"{item.device_path}: SQLite error while reading the Photos library ({exc}); "
                    "the database is damaged or not a Photos.sqlite"
                ) from exc
        finally:
            connection.close()
    return counter.freeze()


def _records(
    rows: Any, item: AcquiredItem, ctx: ParseContext, counter: SummaryCounter
) -> Generator[LocationRecord, None, None]:
    table = (counter.variant or "ZASSET").split()[0]
    for pk, lat, lon, created, directory, filename, trashed, imported_by, accuracy, make, model in rows:
        row_ref = f"{table}.Z_PK={pk}"
        counter.rows_read += 1
        if lat is None or lon is None or lat == _NO_LOCATION or lon == _NO_LOCATION:
            counter.skipped_no_location += 1
            continue
        if not isinstance(lat, int | float) or not isinstance(lon, int | float):
            counter.invalid(row_ref, f"ZLATITUDE/ZLONGITUDE are {lat!r:.20}/{lon!r:.20}, not numbers")
            continue
        if not isinstance(created, int | float):
            counter.invalid(row_ref, f"ZDATECREATED is {created!r:.30}, not a number")
            continue
        try:
            time_utc = from_cocoa_s(created)
        except (OverflowError, ValueError) as exc:
            counter.invalid(row_ref, f"ZDATECREATED {created!r} out of range ({exc})")
            continue
        observation, reason = _observation(imported_by, make, model, ctx)
        notes = [f"{directory or '?'}/{filename or '?'}"]
        if reason:
            notes.append(reason)
        if trashed == 1:
            notes.append("in Recently Deleted")
        accuracy_m = float(accuracy) if isinstance(accuracy, int | float) and accuracy >= 0 else None
        record = build_record(
            counter,
            time_utc=time_utc,
            lat=float(lat),
            lon=float(lon),
            accuracy_m=accuracy_m,
            fix_kind=FixKind.EXIF,
            time_source=TimeSource.DEVICE_CLOCK,
            artifact_id=SPEC.id,
            source_path=item.device_path,
            source_sha256=item.sha256,
            row_ref=row_ref,
            observation=observation,
            note="; ".join(notes),
            subject_path=f"/{directory}/{filename}" if directory and filename else None,
        )
        if record is not None:
            yield record

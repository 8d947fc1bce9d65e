"""Small real fixtures generated in code, and the registry of one fixture per artifact.

``FIXTURES`` maps an artifact id to a builder returning ``ArtifactFixture`` (the acquired item, the parse
context and the number of records the parser must yield). Artifacts written elsewhere may instead define
``fixture_for_tests() -> tuple[AcquiredItem, ParseContext, int]`` in their own module; see test_registry.py.
"""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
import struct
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image, TiffImagePlugin

from extractor.artifacts.spec import AcquiredItem, ParseContext, Platform


@dataclass(frozen=True)
class ArtifactFixture:
    item: AcquiredItem
    ctx: ParseContext
    expected_records: int


def make_item(data: bytes, device_path: str, companions: dict[str, bytes] | None = None) -> AcquiredItem:
    """An ``AcquiredItem`` over bytes in memory (each ``open()`` gives a fresh stream)."""
    return AcquiredItem(
        device_path=device_path,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        mtime=None,
        opener=lambda: io.BytesIO(data),
        companions={
            suffix: (lambda blob=blob: io.BytesIO(blob)) for suffix, blob in (companions or {}).items()
        },
    )


def make_file_item(path: Path, device_path: str) -> AcquiredItem:
    """An ``AcquiredItem`` over a file on disk (for big streamed fixtures)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return AcquiredItem(
        device_path=device_path,
        sha256=digest.hexdigest(),
        size=path.stat().st_size,
        mtime=None,
        opener=lambda: path.open("rb"),
    )


# --- photos ---------------------------------------------------------------------------------------------


def _rational(value: float) -> TiffImagePlugin.IFDRational:
    return TiffImagePlugin.IFDRational(round(value * 10000), 10000)


def _dms(degrees: float) -> tuple[TiffImagePlugin.IFDRational, ...]:
    degrees = abs(degrees)
    whole = int(degrees)
    minutes_float = (degrees - whole) * 60
    minutes = int(minutes_float)
    seconds = (minutes_float - minutes) * 60
    return (
        TiffImagePlugin.IFDRational(whole, 1),
        TiffImagePlugin.IFDRational(minutes, 1),
        _rational(seconds),
    )


def make_exif(
    *,
    make: str | None = "Google",
    model: str | None = "Pixel 7",
    lat: float | None = None,
    lon: float | None = None,
    altitude_m: float | None = None,
    gps_utc: datetime | None = None,
    local_time_text: str | None = None,
    offset_text: str | None = None,
    subsec_text: str | None = None,
    h_error_m: float | None = None,
    little_endian: bool = False,
) -> Image.Exif:
    """A real Pillow ``Exif`` with IFD0, Exif IFD and GPS IFD filled as asked."""
    exif = Image.Exif()
    if little_endian:
        exif.endian = "<"
    if make is not None:
        exif[0x010F] = make
    if model is not None:
        exif[0x0110] = model
    exif_ifd = exif.get_ifd(0x8769)
    if local_time_text is not None:
        exif_ifd[0x9003] = local_time_text
    if offset_text is not None:
        exif_ifd[0x9011] = offset_text
    if subsec_text is not None:
        exif_ifd[0x9291] = subsec_text
    if lat is not None and lon is not None:
        gps = exif.get_ifd(0x8825)
        gps[0] = b"\x02\x02\x00\x00"
        gps[1] = "N" if lat >= 0 else "S"
        gps[2] = _dms(lat)
        gps[3] = "E" if lon >= 0 else "W"
        gps[4] = _dms(lon)
        if altitude_m is not None:
            gps[5] = b"\x01" if altitude_m < 0 else b"\x00"
            gps[6] = _rational(abs(altitude_m))
        if gps_utc is not None:
            utc = gps_utc.astimezone(UTC)
            gps[7] = (
                TiffImagePlugin.IFDRational(utc.hour, 1),
                TiffImagePlugin.IFDRational(utc.minute, 1),
                _rational(utc.second + utc.microsecond / 1e6),
            )
            gps[29] = utc.strftime("%Y:%m:%d")
        if h_error_m is not None:
            gps[31] = _rational(h_error_m)
    return exif


def make_jpeg(exif: Image.Exif | None = None, *, size: tuple[int, int] = (32, 24)) -> bytes:
    """A real JPEG written by Pillow, with the EXIF given (or none)."""
    image = Image.new("RGB", size, (40, 90, 160))
    buffer = io.BytesIO()
    if exif is None:
        image.save(buffer, "JPEG")
    else:
        image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def _box(box_type: bytes, body: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(body), box_type) + body


def _full_box(box_type: bytes, version: int, body: bytes) -> bytes:
    return _box(box_type, bytes([version, 0, 0, 0]) + body)


def make_heif(exif: Image.Exif | None, *, in_idat: bool = False, mdat_padding: int = 0) -> bytes:
    """A structurally valid HEIF (ftyp, meta with hdlr/pitm/iinf/iloc[/idat], mdat) with an Exif item.

    The image item's payload is filler (no HEVC codec is needed to test metadata); the Exif item holds the
    4-byte TIFF-header offset followed by ``Exif\\0\\0`` and the TIFF block, as iPhones write it.
    ``mdat_padding`` bytes of filler are placed in mdat before the Exif payload.
    """
    ftyp = _box(b"ftyp", b"heic" + struct.pack(">I", 0) + b"mif1heic")
    hdlr = _full_box(b"hdlr", 0, struct.pack(">I", 0) + b"pict" + b"\x00" * 12 + b"\x00")
    pitm = _full_box(b"pitm", 0, struct.pack(">H", 1))
    infe_image = _full_box(b"infe", 2, struct.pack(">HH", 1, 0) + b"hvc1" + b"\x00")
    entries = [infe_image]
    exif_payload = b""
    if exif is not None:
        entries.append(_full_box(b"infe", 2, struct.pack(">HH", 2, 0) + b"Exif" + b"\x00"))
        exif_payload = struct.pack(">I", 6) + exif.tobytes()
    iinf = _full_box(b"iinf", 0, struct.pack(">H", len(entries)) + b"".join(entries))
    image_payload = b"\x00" * 64

    def build(meta_len_guess: int) -> bytes:
        # iloc version 1: offset_size 4, length_size 4, base_offset_size 0, index_size 0.
        mdat_start = len(ftyp) + meta_len_guess + 8
        image_offset = mdat_start + mdat_padding
        items = [(1, 0, image_offset, len(image_payload))]
        if exif is not None:
            if in_idat:
                items.append((2, 1, 0, len(exif_payload)))
            else:
                items.append((2, 0, image_offset + len(image_payload), len(exif_payload)))
        body = bytes([0x44, 0x00]) + struct.pack(">H", len(items))
        for item_id, method, offset, length in items:
            body += struct.pack(">HHHH", item_id, method, 0, 1) + struct.pack(">II", offset, length)
        iloc = _full_box(b"iloc", 1, body)
        children = hdlr + pitm + iinf + iloc
        if in_idat and exif is not None:
            children += _box(b"idat", exif_payload)
        return _full_box(b"meta", 0, children)

    meta = build(0)
    meta = build(len(meta))
    mdat_body = b"\xaa" * mdat_padding + image_payload + (b"" if in_idat else exif_payload)
    return ftyp + meta + _box(b"mdat", mdat_body)


JOURNEY_GPS_UTC = datetime(2024, 3, 1, 8, 15, 30, tzinfo=UTC)


def android_photo_fixture() -> ArtifactFixture:
    exif = make_exif(
        make="Google",
        model="Pixel 7",
        lat=37.9838,
        lon=23.7275,
        altitude_m=70.0,
        gps_utc=JOURNEY_GPS_UTC,
        local_time_text="2024:03:01 10:15:31",
        offset_text="+02:00",
        h_error_m=4.5,
    )
    item = make_item(make_jpeg(exif), "/sdcard/DCIM/Camera/PXL_20240301_081531.jpg")
    ctx = ParseContext(device_make="Google", device_model="Pixel 7", platform=Platform.ANDROID)
    return ArtifactFixture(item, ctx, 1)


def ios_photo_fixture() -> ArtifactFixture:
    exif = make_exif(
        make="Apple",
        model="iPhone 13 Pro",
        lat=41.0082,
        lon=28.9784,
        local_time_text="2024:02:20 18:00:00",
        offset_text="+03:00",
    )
    item = make_item(make_heif(exif), "/DCIM/100APPLE/IMG_0001.HEIC")
    ctx = ParseContext(device_make="Apple", device_model="iPhone14,2", platform=Platform.IOS)
    return ArtifactFixture(item, ctx, 1)


FIXTURES: dict[str, Callable[[], ArtifactFixture]] = {
    "android.dcim_exif": android_photo_fixture,
    "ios.afc_photos_exif": ios_photo_fixture,
}


# --- Google Timeline (on-device export, 2024+) -----------------------------------------------------------


def _deg(lat: float, lon: float) -> str:
    return f"{lat:.7f}°, {lon:.7f}°"


def timeline_android_document() -> dict:
    """A small Android ``Timeline.json``: path (3 points), visit, activity, 3 raw positions, 1 wifi scan."""
    return {
        "semanticSegments": [
            {
                "startTime": "2024-03-01T10:00:00.000+02:00",
                "endTime": "2024-03-01T12:00:00.000+02:00",
                "timelinePath": [
                    {"point": _deg(37.9838, 23.7275), "time": "2024-03-01T10:00:00.000+02:00"},
                    {"point": _deg(38.2466, 21.7346), "time": "2024-03-01T11:00:00.000+02:00"},
                    {"point": _deg(39.6243, 19.9217), "time": "2024-03-01T12:00:00.000+02:00"},
                ],
            },
            {
                "startTime": "2024-03-01T12:00:00.000+02:00",
                "endTime": "2024-03-01T15:30:00.000+02:00",
                "startTimeTimezoneUtcOffsetMinutes": 120,
                "endTimeTimezoneUtcOffsetMinutes": 120,
                "visit": {
                    "hierarchyLevel": 0,
                    "probability": 0.9,
                    "topCandidate": {
                        "placeId": "ChIJ_fixture",
                        "semanticType": "UNKNOWN",
                        "probability": 0.8,
                        "placeLocation": {"latLng": _deg(39.6243, 19.9217)},
                    },
                },
            },
            {
                "startTime": "2024-03-01T15:30:00.000+02:00",
                "endTime": "2024-03-01T18:00:00.000+01:00",
                "activity": {
                    "start": {"latLng": _deg(39.6243, 19.9217)},
                    "end": {"latLng": _deg(41.3275, 19.8187)},
                    "distanceMeters": 210000.0,
                    "topCandidate": {"type": "IN_BUS", "probability": 0.7},
                },
            },
        ],
        "rawSignals": [
            {
                "position": {
                    "LatLng": _deg(41.3275, 19.8187),
                    "accuracyMeters": 12,
                    "altitudeMeters": 110.5,
                    "source": "GPS",
                    "deviceTag": 12345,
                    "timestamp": "2024-03-01T18:05:00.000+01:00",
                }
            },
            {"wifiScan": {"deliveryTime": "2024-03-01T18:06:00.000+01:00", "devicesRecords": []}},
            {
                "position": {
                    "LatLng": _deg(41.3300, 19.8200),
                    "accuracyMeters": 40,
                    "source": "WIFI",
                    "timestamp": "2024-03-01T18:10:00.000+01:00",
                }
            },
            {
                "position": {
                    "LatLng": _deg(41.3400, 19.8300),
                    "accuracyMeters": 900,
                    "source": "CELL",
                    "timestamp": "2024-03-01T18:20:00.000+01:00",
                }
            },
        ],
        "userLocationProfile": {"frequentPlaces": [{"placeId": "x", "placeLocation": _deg(52.0, 4.0)}]},
    }


def timeline_ios_document() -> list:
    """A small iOS ``location-history.json``: a visit and an activity with a 1-point path."""
    return [
        {
            "startTime": "2024-02-20T18:00:00.000+03:00",
            "endTime": "2024-02-21T08:00:00.000+03:00",
            "visit": {
                "probability": "0.95",
                "topCandidate": {
                    "probability": "0.6",
                    "semanticType": "Unknown",
                    "placeLocation": "geo:41.008200,28.978400",
                },
            },
        },
        {
            "startTime": "2024-02-21T08:00:00.000+03:00",
            "endTime": "2024-02-21T12:00:00.000+03:00",
            "activity": {
                "start": "geo:41.008200,28.978400",
                "end": "geo:41.677100,26.555700",
                "topCandidate": {"type": "in passenger vehicle", "probability": "0.8"},
                "distanceMeters": "230000",
            },
            "timelinePath": [
                {"point": "geo:41.300000,27.900000", "durationMinutesOffsetFromStartTime": "90"}
            ],
        },
    ]


def timeline_fixture() -> ArtifactFixture:
    data = json.dumps(timeline_android_document(), ensure_ascii=False).encode("utf-8")
    return ArtifactFixture(make_item(data, "/sdcard/Download/Timeline.json"), ParseContext(), 10)


FIXTURES["common.google_timeline"] = timeline_fixture


# --- Google Takeout ---------------------------------------------------------------------------------------


def records_document() -> dict:
    """Takeout ``Records.json``: 5 usable locations (ISO and ms times, several sources, one int32-wrapped)."""
    return {
        "locations": [
            {
                "latitudeE7": 379838000,
                "longitudeE7": 237275000,
                "accuracy": 15,
                "altitude": 70,
                "source": "GPS",
                "deviceTag": 111,
                "timestamp": "2022-05-01T08:00:00.123Z",
            },
            {
                "latitudeE7": 382466000,
                "longitudeE7": 217346000,
                "accuracy": 30,
                "source": "WIFI",
                "deviceTag": 111,
                "timestampMs": "1651395600000",
            },
            {
                "latitudeE7": 396243000,
                "longitudeE7": 199217000,
                "accuracy": 1500,
                "source": "CELL",
                "deviceTag": 111,
                "timestamp": "2022-05-01T10:00:00Z",
            },
            {
                "latitudeE7": 413275000,
                "longitudeE7": 198187000,
                "accuracy": 20,
                "deviceTag": 222,
                "timestamp": "2022-05-01T11:00:00+01:00",
            },
            # -29.5000000° latitude stored as an unsigned overflowed int32 (4294967296 - 295000000).
            {
                "latitudeE7": 3999967296,
                "longitudeE7": 311000000,
                "accuracy": 10,
                "source": "GPS",
                "timestamp": "2022-05-02T00:00:00Z",
            },
        ]
    }


def records_fixture() -> ArtifactFixture:
    data = json.dumps(records_document()).encode()
    return ArtifactFixture(
        make_item(data, "/offline/Takeout/Location History/Records.json"), ParseContext(), 5
    )


def semantic_document() -> dict:
    """Takeout ``2024_MARCH.json``: a place visit (ISO), an activity (ms) with 2 raw-path points."""
    return {
        "timelineObjects": [
            {
                "placeVisit": {
                    "location": {
                        "latitudeE7": 410082000,
                        "longitudeE7": 289784000,
                        "placeId": "ChIJ_fixture",
                        "address": "Sultanahmet, Istanbul",
                        "name": "Sultanahmet",
                    },
                    "duration": {
                        "startTimestamp": "2024-03-01T06:00:00Z",
                        "endTimestamp": "2024-03-01T18:00:00.500Z",
                    },
                    "placeConfidence": "HIGH_CONFIDENCE",
                    "centerLatE7": 410080000,
                    "centerLngE7": 289780000,
                }
            },
            {
                "activitySegment": {
                    "startLocation": {"latitudeE7": 410082000, "longitudeE7": 289784000},
                    "endLocation": {"latitudeE7": 416771000, "longitudeE7": 265557000},
                    "duration": {"startTimestampMs": "1709316000000", "endTimestampMs": "1709330400000"},
                    "distance": 230000,
                    "activityType": "IN_BUS",
                    "waypointPath": {"waypoints": [{"latE7": 412000000, "lngE7": 280000000}]},
                    "simplifiedRawPath": {
                        "points": [
                            {
                                "latE7": 413000000,
                                "lngE7": 279000000,
                                "accuracyMeters": 25,
                                "timestampMs": "1709320000000",
                            },
                            {
                                "latE7": 415000000,
                                "lngE7": 270000000,
                                "accuracyMeters": 40,
                                "timestamp": "2024-03-01T21:00:00Z",
                            },
                        ]
                    },
                }
            },
        ]
    }


def semantic_fixture() -> ArtifactFixture:
    data = json.dumps(semantic_document()).encode()
    path = "/offline/Takeout/Location History/Semantic Location History/2024/2024_MARCH.json"
    return ArtifactFixture(make_item(data, path), ParseContext(), 6)


FIXTURES["common.google_records"] = records_fixture
FIXTURES["common.google_semantic"] = semantic_fixture


# --- iPhone Photos.sqlite ----------------------------------------------------------------------------------

PHOTOS_COCOA_BASE_S = 730_000_000.0  # 2024-02-19T01:46:40Z


def write_photos_db(
    path: Path,
    rows: list[dict],
    *,
    table: str = "ZASSET",
    wal_rows: list[dict] | None = None,
) -> None:
    """A Photos.sqlite with the Core Data layout the parser reads.

    Each row: pk, lat, lon, created (Cocoa s), filename, and optionally imported_by, make, model, accuracy.
    ``wal_rows`` are committed after switching to WAL with checkpoints off, so they live only in ``-wal``.
    """
    connection = sqlite3.connect(path)
    connection.executescript(
        f"""
        CREATE TABLE {table} (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZKIND INTEGER,
            ZTRASHEDSTATE INTEGER, ZADDITIONALATTRIBUTES INTEGER, ZEXTENDEDATTRIBUTES INTEGER,
            ZDATECREATED TIMESTAMP, ZLATITUDE FLOAT, ZLONGITUDE FLOAT, ZDIRECTORY VARCHAR, ZFILENAME VARCHAR);
        CREATE TABLE ZADDITIONALASSETATTRIBUTES (Z_PK INTEGER PRIMARY KEY, ZASSET INTEGER, ZIMPORTEDBY INTEGER,
            ZGPSHORIZONTALACCURACY FLOAT, ZORIGINALFILENAME VARCHAR);
        CREATE TABLE ZEXTENDEDATTRIBUTES (Z_PK INTEGER PRIMARY KEY, ZASSET INTEGER, ZCAMERAMAKE VARCHAR,
            ZCAMERAMODEL VARCHAR, ZLATITUDE FLOAT, ZLONGITUDE FLOAT);
        """
    )

    def insert(row: dict) -> None:
        pk = row["pk"]
        connection.execute(
            f"INSERT INTO {table} VALUES (?, 3, 1, 0, ?, ?, ?, ?, ?, ?, 'DCIM/100APPLE', ?)",
            (
                pk,
                row.get("trashed", 0),
                pk + 1000,
                pk + 2000,
                row["created"],
                row["lat"],
                row["lon"],
                row["filename"],
            ),
        )
        connection.execute(
            "INSERT INTO ZADDITIONALASSETATTRIBUTES VALUES (?, ?, ?, ?, ?)",
            (pk + 1000, pk, row.get("imported_by"), row.get("accuracy"), row["filename"]),
        )
        connection.execute(
            "INSERT INTO ZEXTENDEDATTRIBUTES VALUES (?, ?, ?, ?, ?, ?)",
            (pk + 2000, pk, row.get("make"), row.get("model"), row["lat"], row["lon"]),
        )

    for row in rows:
        insert(row)
    connection.commit()
    if wal_rows:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA wal_autocheckpoint=0")
        for row in wal_rows:
            insert(row)
        connection.commit()
        # Copy the three files while this connection still holds them open (as on a live phone).
        path.with_name(path.name + ".snapshot").write_bytes(path.read_bytes())
        path.with_name(path.name + "-wal.snapshot").write_bytes(
            path.with_name(path.name + "-wal").read_bytes()
        )
    connection.close()


def photos_rows() -> list[dict]:
    own = {"imported_by": 1, "make": "Apple", "model": "iPhone 13"}
    return [
        {
            "pk": 1,
            "lat": 37.9838,
            "lon": 23.7275,
            "created": PHOTOS_COCOA_BASE_S,
            "filename": "IMG_0001.HEIC",
            "accuracy": 5.0,
            **own,
        },
        {
            "pk": 2,
            "lat": -180.0,
            "lon": -180.0,
            "created": PHOTOS_COCOA_BASE_S + 60,
            "filename": "IMG_0002.HEIC",
            **own,
        },
        {
            "pk": 3,
            "lat": 41.0082,
            "lon": 28.9784,
            "created": PHOTOS_COCOA_BASE_S + 3600,
            "filename": "IMG_0003.JPG",
            "imported_by": 6,
        },
        {
            "pk": 4,
            "lat": 42.0,
            "lon": 21.4,
            "created": PHOTOS_COCOA_BASE_S + 7200,
            "filename": "IMG_0004.JPG",
            "imported_by": 1,
            "make": "samsung",
            "model": "SM-A525F",
        },
        {
            "pk": 5,
            "lat": 123.0,
            "lon": 21.4,
            "created": PHOTOS_COCOA_BASE_S + 7300,
            "filename": "IMG_0005.JPG",
            **own,
        },
    ]


def photos_sqlite_fixture() -> ArtifactFixture:
    import tempfile

    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "Photos.sqlite"
        write_photos_db(path, photos_rows())
        data = path.read_bytes()
    ctx = ParseContext(device_make="Apple", device_model="iPhone14,5", platform=Platform.IOS)  # iPhone 13
    return ArtifactFixture(make_item(data, "Media/PhotoData/Photos.sqlite"), ctx, 3)


FIXTURES["ios.photos_sqlite"] = photos_sqlite_fixture


# --- Android command outputs (artifacts written by the ADB engineer; their modules may take these over as
# fixture_for_tests(), which the registry test consults when FIXTURES has no entry) --------------------------


def dumpsys_location_fixture() -> ArtifactFixture:
    from extractor.artifacts.android.dumpsys_location import ANCHOR_ELAPSED_MS, ANCHOR_WALL_MS

    text = (
        "Location Manager State:\n"
        "  gps provider:\n"
        "    last location=Location[gps 37.983800,23.727500 hAcc=5.0 et=+2h0m0s0ms alt=70.0 vel=0.0]\n"
        "    last coarse location=Location[gps 37.980000,23.730000 hAcc=2000.0 et=+2h0m0s0ms]\n"
        "  network provider:\n"
        "    last location=Location[network 37.984000,23.728000 hAcc=30.0 et=+2h1m0s0ms]\n"
    )
    # Anchor: wall clock 2024-03-01T10:00:00Z when the phone had been up for 3 hours.
    anchors = {ANCHOR_WALL_MS: "1709287200000", ANCHOR_ELAPSED_MS: str(3 * 3600 * 1000)}
    item = make_item(text.encode(), "dumpsys location")
    return ArtifactFixture(item, ParseContext(platform=Platform.ANDROID, anchors=anchors), 2)


def mediastore_fixture() -> ArtifactFixture:
    text = (
        "Row: 0 _id=12, _data=/storage/emulated/0/DCIM/Camera/PXL_1.jpg, datetaken=1709280930000, "
        "latitude=37.9838, longitude=23.7275\n"
        "Row: 1 _id=13, _data=/storage/emulated/0/DCIM/Camera/PXL_2.jpg, datetaken=1709280990000, "
        "latitude=NULL, longitude=NULL\n"
    )
    item = make_item(text.encode(), "content query --uri content://media/external/images/media")
    return ArtifactFixture(item, ParseContext(platform=Platform.ANDROID), 1)


FIXTURES["android.dumpsys_location"] = dumpsys_location_fixture
FIXTURES["android.mediastore_images"] = mediastore_fixture

"""Build a small synthetic iPhone media folder: camera JPEGs with real EXIF and a matching Photos.sqlite.

The folder is what AFC serves (``/var/mobile/Media`` on a real phone): ``DCIM/100APPLE/IMG_0001.JPG`` and
``PhotoData/Photos.sqlite``. The ``ZASSET`` rows agree with the JPEGs' EXIF: same position, same capture
instant (``ZDATECREATED`` in Cocoa seconds since 2001-01-01 UTC, −180 for a photo without a position).
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from PIL import Image

from extractor.timestamps import to_cocoa_s

NO_LOCATION = -180.0  # Photos.sqlite sentinel for "no location"
CAMERA_DIRECTORY = "DCIM/100APPLE"
PHOTOS_SQLITE = "PhotoData/Photos.sqlite"

_EXIF_IFD = 0x8769
_GPS_IFD = 0x8825


@dataclass(frozen=True, slots=True)
class IphonePhoto:
    """Ground truth of one photo: where and when it was taken."""

    filename: str
    taken_utc: datetime
    lat: float | None
    lon: float | None
    utc_offset_minutes: int = 0  # the local zone the camera wrote DateTimeOriginal in
    make: str = "Apple"
    model: str = "iPhone 13"
    width_px: int = 640  # noise pixels: about 300 kB, larger than any metadata head read
    height_px: int = 480

    @property
    def device_path(self) -> str:
        """Path as AFC shows it (relative to /var/mobile/Media)."""
        return f"/{CAMERA_DIRECTORY}/{self.filename}"


def default_journey(count: int = 5, *, start_utc: datetime | None = None) -> list[IphonePhoto]:
    """A short journey: photos every 6 hours moving from Athens towards Vienna; the last has no GPS."""
    start = start_utc or datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
    start_lat, start_lon = 37.9838, 23.7275  # Athens
    end_lat, end_lon = 48.2082, 16.3738  # Vienna
    photos: list[IphonePhoto] = []
    for index in range(count):
        fraction = index / max(count - 1, 1)
        has_gps = index < count - 1 or count == 1
        photos.append(
            IphonePhoto(
                filename=f"IMG_{index + 1:04d}.JPG",
                taken_utc=start + timedelta(hours=6 * index),
                lat=round(start_lat + (end_lat - start_lat) * fraction, 6) if has_gps else None,
                lon=round(start_lon + (end_lon - start_lon) * fraction, 6) if has_gps else None,
                utc_offset_minutes=120 if fraction < 0.5 else 60,
            )
        )
    return photos


def _dms(value: float) -> tuple[float, float, float]:
    value = abs(value)
    degrees = int(value)
    minutes_full = (value - degrees) * 60
    minutes = int(minutes_full)
    seconds = round((minutes_full - minutes) * 60, 4)
    return (float(degrees), float(minutes), seconds)


def jpeg_bytes(photo: IphonePhoto) -> bytes:
    """A real JPEG with EXIF make/model, DateTimeOriginal + OffsetTimeOriginal and (optionally) GPS.

    The pixels are noise so the file is realistically larger than its metadata.
    """
    import io

    pixels = os.urandom(photo.width_px * photo.height_px * 3)
    image = Image.frombytes("RGB", (photo.width_px, photo.height_px), pixels)
    exif = Image.Exif()
    exif[0x010F] = photo.make
    exif[0x0110] = photo.model
    local = photo.taken_utc.astimezone(timezone(timedelta(minutes=photo.utc_offset_minutes)))
    sign = "+" if photo.utc_offset_minutes >= 0 else "-"
    offset = abs(photo.utc_offset_minutes)
    exif_ifd = exif.get_ifd(_EXIF_IFD)
    exif_ifd[0x9003] = local.strftime("%Y:%m:%d %H:%M:%S")  # DateTimeOriginal
    exif_ifd[0x9011] = f"{sign}{offset // 60:02d}:{offset % 60:02d}"  # OffsetTimeOriginal
    if photo.lat is not None and photo.lon is not None:
        gps = exif.get_ifd(_GPS_IFD)
        gps[0x0000] = b"\x02\x02\x00\x00"  # GPSVersionID
        gps[0x0001] = "N" if photo.lat >= 0 else "S"
        gps[0x0002] = _dms(photo.lat)
        gps[0x0003] = "E" if photo.lon >= 0 else "W"
        gps[0x0004] = _dms(photo.lon)
        utc = photo.taken_utc.astimezone(UTC)
        gps[0x0007] = (float(utc.hour), float(utc.minute), float(utc.second))
        gps[0x001D] = utc.strftime("%Y:%m:%d")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=92, exif=exif.tobytes())
    return buffer.getvalue()


_PHOTOS_SCHEMA = """
CREATE TABLE Z_PRIMARYKEY (Z_ENT INTEGER PRIMARY KEY, Z_NAME VARCHAR, Z_SUPER INTEGER, Z_MAX INTEGER);
CREATE TABLE ZASSET (
    Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER,
    ZKIND INTEGER, ZKINDSUBTYPE INTEGER, ZTRASHEDSTATE INTEGER, ZHIDDEN INTEGER,
    ZHEIGHT INTEGER, ZWIDTH INTEGER, ZADDITIONALATTRIBUTES INTEGER,
    ZDATECREATED TIMESTAMP, ZMODIFICATIONDATE TIMESTAMP, ZADDEDDATE TIMESTAMP,
    ZLATITUDE FLOAT, ZLONGITUDE FLOAT,
    ZDIRECTORY VARCHAR, ZFILENAME VARCHAR, ZUNIFORMTYPEIDENTIFIER VARCHAR, ZUUID VARCHAR
);
CREATE TABLE ZADDITIONALASSETATTRIBUTES (
    Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER,
    ZASSET INTEGER, ZTIMEZONEOFFSET INTEGER, ZTIMEZONENAME VARCHAR,
    ZORIGINALFILENAME VARCHAR, ZORIGINALFILESIZE INTEGER, ZEXIFTIMESTAMPSTRING VARCHAR,
    ZCAMERACAPTUREDEVICE INTEGER, ZIMPORTEDBY INTEGER
);
CREATE INDEX ZASSET_ZDATECREATED ON ZASSET (ZDATECREATED);
"""


def write_photos_sqlite(path: Path, photos: Sequence[IphonePhoto], sizes: Sequence[int]) -> None:
    """Write a Photos.sqlite whose ZASSET rows describe ``photos`` (one row each, same order)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    connection = sqlite3.connect(path)
    try:
        connection.executescript(_PHOTOS_SCHEMA)
        connection.execute("INSERT INTO Z_PRIMARYKEY VALUES (3, 'Asset', 0, ?)", (len(photos),))
        connection.execute(
            "INSERT INTO Z_PRIMARYKEY VALUES (5, 'AdditionalAssetAttributes', 0, ?)", (len(photos),)
        )
        for index, (photo, size) in enumerate(zip(photos, sizes, strict=True), start=1):
            created = to_cocoa_s(photo.taken_utc)
            latitude = photo.lat if photo.lat is not None else NO_LOCATION
            longitude = photo.lon if photo.lon is not None else NO_LOCATION
            connection.execute(
                "INSERT INTO ZASSET VALUES (?, 3, 1, 0, 0, 0, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'public.jpeg', ?)",
                (
                    index,
                    photo.height_px,
                    photo.width_px,
                    index,
                    created,
                    created + 5.0,
                    created + 2.0,
                    latitude,
                    longitude,
                    CAMERA_DIRECTORY,
                    photo.filename,
                    str(uuid.uuid5(uuid.NAMESPACE_URL, photo.filename)).upper(),
                ),
            )
            local = photo.taken_utc.astimezone(timezone(timedelta(minutes=photo.utc_offset_minutes)))
            connection.execute(
                "INSERT INTO ZADDITIONALASSETATTRIBUTES VALUES (?, 5, 1, ?, ?, ?, ?, ?, ?, 1, 1)",
                (
                    index,
                    index,
                    photo.utc_offset_minutes * 60,
                    "GMT",
                    photo.filename,
                    size,
                    local.strftime("%Y:%m:%d %H:%M:%S"),
                ),
            )
        connection.commit()
    finally:
        connection.close()


@dataclass(frozen=True, slots=True)
class BuiltIphoneMedia:
    root: Path
    photos: tuple[IphonePhoto, ...]
    photo_sizes: tuple[int, ...]

    @property
    def photos_sqlite(self) -> Path:
        return self.root / PHOTOS_SQLITE


def build_iphone_media(root: Path, photos: Sequence[IphonePhoto] | None = None) -> BuiltIphoneMedia:
    """Write the JPEGs under ``root/DCIM/100APPLE`` and ``root/PhotoData/Photos.sqlite``."""
    chosen = list(photos) if photos is not None else default_journey()
    camera = root / CAMERA_DIRECTORY
    camera.mkdir(parents=True, exist_ok=True)
    sizes: list[int] = []
    for photo in chosen:
        data = jpeg_bytes(photo)
        target = camera / photo.filename
        target.write_bytes(data)
        moment = photo.taken_utc.timestamp()
        os.utime(target, (moment, moment))
        sizes.append(len(data))
    write_photos_sqlite(root / PHOTOS_SQLITE, chosen, sizes)
    return BuiltIphoneMedia(root=root, photos=tuple(chosen), photo_sizes=tuple(sizes))

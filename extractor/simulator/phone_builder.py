"""Write a synthetic Android phone with a multi-country journey in real formats, plus its ground truth.

The phone tree (``<root>/device`` is the phone's ``/``; ``/sdcard`` links to ``/storage/emulated/0``):

- ``DCIM/Camera/*.jpg``: small real JPEGs with real EXIF written here (TIFF IFD0 Make/Model, Exif IFD
  DateTimeOriginal in the device's local clock, OffsetTimeOriginal on some, GPS IFD with position, and on
  most the GPS UTC date/time). One tiny JPEG body is reused; only the EXIF differs, so 20,000 photos take
  seconds. ``photo_bytes`` pads each file with a sparse trailer after EOI to give it a realistic size.
- Received photos (WhatsApp Images, Download) taken by another make/model elsewhere (LEGAL 15).
- ``Download/Timeline.json``: Google Maps on-device Timeline export (2024+ format: ``semanticSegments`` with
  visits, activities and ``timelinePath`` points as ``"lat°, lng°"`` strings, and ``rawSignals``) covering
  the second part of the journey only.
- ``<root>/simulator``: canned shell answers (``device.json`` with getprop properties, clock offset and boot
  time; ``dumpsys_location.txt``; ``dumpsys_alarm.txt``; ``content_images.txt``), consistent with the files.
- ``<root>/ground_truth.json``: true stays, country sequence, photos, last known fixes.

The device clock runs ``clock_offset_s`` ahead of true time: everything the phone stamped with its own clock
(DateTimeOriginal, file mtimes, MediaStore ``datetaken``, ``dumpsys alarm`` nowRTC) carries the offset;
GPS UTC times and Timeline times do not.
"""

from __future__ import annotations

import io
import json
import math
import os
import random
import struct
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from PIL import Image

DEVICE_MAKE = "samsung"
DEVICE_MODEL = "SM-A525F"
DEVICE_SERIAL = "R58R12ABCDE"
DEVICE_TIMEZONE = "Europe/Amsterdam"
SDCARD = "/storage/emulated/0"
CAMERA_DIR = f"{SDCARD}/DCIM/Camera"
WHATSAPP_DIR = f"{SDCARD}/Android/media/com.whatsapp/WhatsApp/Media/WhatsApp Images"
WHATSAPP_DOCUMENTS_DIR = f"{SDCARD}/Android/media/com.whatsapp/WhatsApp/Media/WhatsApp Documents"
# WhatsApp before scoped storage (Android 10 and older): under /sdcard/WhatsApp
LEGACY_WHATSAPP_DIR = f"{SDCARD}/WhatsApp/Media/WhatsApp Images"
LEGACY_WHATSAPP_DOCUMENTS_DIR = f"{SDCARD}/WhatsApp/Media/WhatsApp Documents"
_SDK_LEVELS = {8: 26, 9: 28, 10: 29, 11: 30, 12: 31, 13: 33, 14: 34}
DOWNLOAD_DIR = f"{SDCARD}/Download"
TIMELINE_PATH = f"{DOWNLOAD_DIR}/Timeline.json"


@dataclass(frozen=True, slots=True)
class Stay:
    place: str
    country: str  # ISO 3166-1 alpha-2
    lat: float
    lon: float
    timezone: str
    start_utc: datetime
    end_utc: datetime
    mode_to_next: str  # how the traveller left: "walking", "bus", "boat", "train", "car"


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


JOURNEY: tuple[Stay, ...] = (
    Stay(
        "Aleppo",
        "SY",
        36.2021,
        37.1343,
        "Asia/Damascus",
        _utc("2024-03-01 06:00"),
        _utc("2024-03-10 04:00"),
        "car",
    ),
    Stay(
        "Kilis",
        "TR",
        36.7184,
        37.1212,
        "Europe/Istanbul",
        _utc("2024-03-10 20:00"),
        _utc("2024-03-13 07:00"),
        "bus",
    ),
    Stay(
        "Gaziantep",
        "TR",
        37.0662,
        37.3833,
        "Europe/Istanbul",
        _utc("2024-03-13 09:00"),
        _utc("2024-04-20 18:00"),
        "bus",
    ),
    Stay(
        "Izmir",
        "TR",
        38.4237,
        27.1428,
        "Europe/Istanbul",
        _utc("2024-04-21 10:00"),
        _utc("2024-05-05 23:00"),
        "boat",
    ),
    Stay(
        "Mytilini",
        "GR",
        39.1047,
        26.5550,
        "Europe/Athens",
        _utc("2024-05-06 05:00"),
        _utc("2024-05-20 18:00"),
        "boat",
    ),
    Stay(
        "Athens",
        "GR",
        37.9838,
        23.7275,
        "Europe/Athens",
        _utc("2024-05-21 06:00"),
        _utc("2024-06-10 07:00"),
        "bus",
    ),
    Stay(
        "Idomeni",
        "GR",
        41.1225,
        22.5150,
        "Europe/Athens",
        _utc("2024-06-10 14:00"),
        _utc("2024-06-14 03:00"),
        "walking",
    ),
    Stay(
        "Gevgelija",
        "MK",
        41.1392,
        22.5025,
        "Europe/Skopje",
        _utc("2024-06-14 05:00"),
        _utc("2024-06-15 08:00"),
        "train",
    ),
    Stay(
        "Belgrade",
        "RS",
        44.7866,
        20.4489,
        "Europe/Belgrade",
        _utc("2024-06-16 10:00"),
        _utc("2024-06-25 20:00"),
        "walking",
    ),
    Stay(
        "Röszke",
        "HU",
        46.1872,
        20.0372,
        "Europe/Budapest",
        _utc("2024-06-26 09:00"),
        _utc("2024-06-27 12:00"),
        "bus",
    ),
    Stay(
        "Vienna",
        "AT",
        48.2082,
        16.3738,
        "Europe/Vienna",
        _utc("2024-06-27 19:00"),
        _utc("2024-06-30 07:00"),
        "train",
    ),
    Stay(
        "Munich",
        "DE",
        48.1351,
        11.5820,
        "Europe/Berlin",
        _utc("2024-06-30 12:00"),
        _utc("2024-07-05 06:00"),
        "train",
    ),
    Stay(
        "Ter Apel",
        "NL",
        52.8767,
        7.0650,
        "Europe/Amsterdam",
        _utc("2024-07-05 17:00"),
        _utc("2024-07-20 10:00"),
        "none",
    ),
)
TIMELINE_FROM_STAY = 3  # the Timeline export starts in Izmir (location history switched on there)
BOOT_STAY = 11  # the phone was last rebooted in Munich


@dataclass(frozen=True, slots=True)
class PhotoTruth:
    device_path: str
    lat: float | None  # None: the photo has no GPS position
    lon: float | None
    time_utc: datetime  # true capture time
    own: bool  # taken by this phone (camera folder, matching make/model)
    has_gps_time: bool
    has_offset_time: bool
    make: str
    model: str


@dataclass(frozen=True, slots=True)
class LastKnownFix:
    provider: str
    time_utc: datetime
    lat: float
    lon: float
    accuracy_m: float


@dataclass(frozen=True, slots=True)
class PhoneManifest:
    root: Path
    device_root: Path
    simulator_dir: Path
    ground_truth_path: Path
    properties: tuple[tuple[str, str], ...]
    make: str
    model: str
    serial: str
    timezone: str
    clock_offset_s: float
    boot_time_utc: datetime
    stays: tuple[Stay, ...]
    country_sequence: tuple[str, ...]
    photos: tuple[PhotoTruth, ...]
    timeline_device_path: str | None
    timeline_points: int
    timeline_start_utc: datetime | None
    timeline_end_utc: datetime | None
    last_known_fixes: tuple[LastKnownFix, ...]
    mediastore_rows_with_location: int
    setup_utc: datetime | None = None  # true time the phone was set up (first start on empty user data)
    reset_utc: datetime | None = None  # when the phone was reset mid-journey (None: never)

    def host_path(self, device_path: str) -> Path:
        """Where a device path of this phone lives on the host (for tests)."""
        return self.device_root / device_path.lstrip("/")

    @property
    def property_map(self) -> dict[str, str]:
        return dict(self.properties)


# --- true positions ---------------------------------------------------------------------------------------


def true_position(moment: datetime, *, stays: tuple[Stay, ...] = JOURNEY) -> tuple[float, float, str]:
    """Where the traveller truly was at ``moment``: (lat, lon, time zone name). Linear between stays."""
    if moment <= stays[0].end_utc:
        return stays[0].lat, stays[0].lon, stays[0].timezone
    for index, stay in enumerate(stays):
        if stay.start_utc <= moment <= stay.end_utc:
            return stay.lat, stay.lon, stay.timezone
        following = stays[index + 1] if index + 1 < len(stays) else None
        if following is not None and stay.end_utc < moment < following.start_utc:
            fraction = (moment - stay.end_utc) / (following.start_utc - stay.end_utc)
            lat = stay.lat + (following.lat - stay.lat) * fraction
            lon = stay.lon + (following.lon - stay.lon) * fraction
            return lat, lon, stay.timezone if fraction < 0.5 else following.timezone
    last = stays[-1]
    return last.lat, last.lon, last.timezone


def _jitter(rng: random.Random, lat: float, lon: float, radius_m: float) -> tuple[float, float]:
    distance_m = radius_m * math.sqrt(rng.random())
    bearing = rng.random() * 2 * math.pi
    dlat = distance_m * math.cos(bearing) / 111_320.0
    dlon = distance_m * math.sin(bearing) / (111_320.0 * math.cos(math.radians(lat)))
    return round(lat + dlat, 6), round(lon + dlon, 6)


_OFFSET_CACHE: dict[tuple[str, int], timedelta] = {}


def _utc_offset(zone: str, moment: datetime) -> timedelta:
    key = (zone, int(moment.timestamp() // 3600))
    cached = _OFFSET_CACHE.get(key)
    if cached is None:
        cached = moment.astimezone(ZoneInfo(zone)).utcoffset() or timedelta(0)
        _OFFSET_CACHE[key] = cached
    return cached


# --- EXIF / JPEG ------------------------------------------------------------------------------------------

_ASCII, _BYTE, _SHORT, _LONG, _RATIONAL, _UNDEFINED = 2, 1, 3, 4, 5, 7


def _ascii(text: str) -> tuple[int, int, bytes]:
    encoded = text.encode("ascii") + b"\x00"
    return _ASCII, len(encoded), encoded


def _rationals(values: list[tuple[int, int]]) -> tuple[int, int, bytes]:
    return _RATIONAL, len(values), b"".join(struct.pack("<II", n, d) for n, d in values)


def _ifd(entries: dict[int, tuple[int, int, bytes]], start: int) -> bytes:
    """One little-endian TIFF IFD at file offset ``start``, values that do not fit in 4 bytes after it."""
    count = len(entries)
    value_offset = start + 2 + 12 * count + 4
    table = bytearray(struct.pack("<H", count))
    values = bytearray()
    for tag in sorted(entries):
        kind, number, raw = entries[tag]
        if len(raw) <= 4:
            table += struct.pack("<HHI", tag, kind, number) + raw.ljust(4, b"\x00")
        else:
            table += struct.pack("<HHII", tag, kind, number, value_offset + len(values))
            values += raw
            if len(values) % 2:
                values += b"\x00"
    table += struct.pack("<I", 0)
    return bytes(table + values)


def _dms(value: float) -> list[tuple[int, int]]:
    value = abs(value)
    degrees = int(value)
    minutes_full = (value - degrees) * 60
    minutes = int(minutes_full)
    seconds = round((minutes_full - minutes) * 60 * 10000)
    return [(degrees, 1), (minutes, 1), (seconds, 10000)]


def exif_segment(
    *,
    make: str,
    model: str,
    local_time: datetime | None,
    offset_text: str | None,
    lat: float | None,
    lon: float | None,
    gps_time_utc: datetime | None,
    altitude_m: float | None = None,
) -> bytes:
    """A complete APP1 Exif segment (marker, length, ``Exif\\0\\0``, little-endian TIFF)."""
    ifd0: dict[int, tuple[int, int, bytes]] = {0x010F: _ascii(make), 0x0110: _ascii(model)}
    exif: dict[int, tuple[int, int, bytes]] = {0x9000: (_UNDEFINED, 4, b"0232")}
    if local_time is not None:
        exif[0x9003] = _ascii(local_time.strftime("%Y:%m:%d %H:%M:%S"))
        exif[0x9004] = _ascii(local_time.strftime("%Y:%m:%d %H:%M:%S"))
        ifd0[0x0132] = _ascii(local_time.strftime("%Y:%m:%d %H:%M:%S"))
    if offset_text is not None:
        exif[0x9011] = _ascii(offset_text)
        exif[0x9010] = _ascii(offset_text)
    gps: dict[int, tuple[int, int, bytes]] | None = None
    if lat is not None and lon is not None:
        gps = {
            0x0000: (_BYTE, 4, bytes([2, 3, 0, 0])),
            0x0001: _ascii("N" if lat >= 0 else "S"),
            0x0002: _rationals(_dms(lat)),
            0x0003: _ascii("E" if lon >= 0 else "W"),
            0x0004: _rationals(_dms(lon)),
        }
        if altitude_m is not None:
            gps[0x0005] = (_BYTE, 1, bytes([0 if altitude_m >= 0 else 1]))
            gps[0x0006] = _rationals([(round(abs(altitude_m) * 10), 10)])
        if gps_time_utc is not None:
            gps[0x0007] = _rationals(
                [(gps_time_utc.hour, 1), (gps_time_utc.minute, 1), (gps_time_utc.second, 1)]
            )
            gps[0x001D] = _ascii(gps_time_utc.strftime("%Y:%m:%d"))
    # Layout: TIFF header (8) | IFD0 | Exif IFD | GPS IFD. Pointer values have fixed size, so sizes are known.
    ifd0[0x8769] = (_LONG, 1, b"\x00\x00\x00\x00")
    if gps is not None:
        ifd0[0x8825] = (_LONG, 1, b"\x00\x00\x00\x00")
    ifd0_size = len(_ifd(ifd0, 8))
    exif_start = 8 + ifd0_size
    exif_bytes = _ifd(exif, exif_start)
    gps_start = exif_start + len(exif_bytes)
    ifd0[0x8769] = (_LONG, 1, struct.pack("<I", exif_start))
    if gps is not None:
        ifd0[0x8825] = (_LONG, 1, struct.pack("<I", gps_start))
    tiff = b"II*\x00" + struct.pack("<I", 8) + _ifd(ifd0, 8) + exif_bytes
    if gps is not None:
        tiff += _ifd(gps, gps_start)
    payload = b"Exif\x00\x00" + tiff
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


def _jpeg_body() -> bytes:
    """A tiny real JPEG without SOI and without its JFIF APP0 segment: DQT, SOF, DHT, SOS, data, EOI."""
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (90, 120, 160)).save(buffer, "JPEG", quality=60)
    data = buffer.getvalue()
    position = 2
    while data[position] == 0xFF and 0xE0 <= data[position + 1] <= 0xEF:
        length = struct.unpack(">H", data[position + 2 : position + 4])[0]
        position += 2 + length
    return data[position:]


# --- Timeline.json ----------------------------------------------------------------------------------------


def _latlng(lat: float, lon: float) -> str:
    return f"{lat:.7f}°, {lon:.7f}°"


def _local_iso(moment: datetime, zone: str) -> tuple[str, int]:
    offset = _utc_offset(zone, moment)
    local = moment + offset
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    text = local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond // 1000:03d}"
    return f"{text}{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}", minutes


def _write_timeline(
    path: Path,
    stays: tuple[Stay, ...],
    points: int,
    rng: random.Random,
    *,
    not_before: datetime | None = None,
) -> tuple[datetime, datetime]:
    start = stays[TIMELINE_FROM_STAY].start_utc
    if not_before is not None and not_before > start:  # a reset wiped the history before it
        start = not_before
    end = stays[-1].end_utc
    path.parent.mkdir(parents=True, exist_ok=True)
    step_s = (end - start).total_seconds() / max(points, 1)
    segment_s = 2 * 3600
    with open(path, "w", encoding="utf-8") as handle:
        handle.write('{\n  "semanticSegments": [\n')
        first = True

        def emit(text: str) -> None:
            nonlocal first
            handle.write(("" if first else ",\n") + text)
            first = False

        for index in range(TIMELINE_FROM_STAY, len(stays)):
            stay = stays[index]
            if stay.end_utc <= start:
                continue
            begin, offset_min = _local_iso(max(stay.start_utc, start), stay.timezone)
            finish, offset_end = _local_iso(stay.end_utc, stay.timezone)
            emit(
                "    "
                + json.dumps(
                    {
                        "startTime": begin,
                        "endTime": finish,
                        "startTimeTimezoneUtcOffsetMinutes": offset_min,
                        "endTimeTimezoneUtcOffsetMinutes": offset_end,
                        "visit": {
                            "hierarchyLevel": 0,
                            "probability": 0.87,
                            "topCandidate": {
                                "placeId": f"ChIJsim{index:04d}",
                                "semanticType": "UNKNOWN",
                                "probability": 0.71,
                                "placeLocation": {"latLng": _latlng(stay.lat, stay.lon)},
                            },
                        },
                    },
                    ensure_ascii=False,
                )
            )
            if index + 1 < len(stays):
                following = stays[index + 1]
                leg_begin, _ = _local_iso(stay.end_utc, stay.timezone)
                leg_end, _ = _local_iso(following.start_utc, following.timezone)
                emit(
                    "    "
                    + json.dumps(
                        {
                            "startTime": leg_begin,
                            "endTime": leg_end,
                            "activity": {
                                "start": {"latLng": _latlng(stay.lat, stay.lon)},
                                "end": {"latLng": _latlng(following.lat, following.lon)},
                                "topCandidate": {
                                    "type": _ACTIVITY.get(stay.mode_to_next, "UNKNOWN_ACTIVITY_TYPE"),
                                    "probability": 0.8,
                                },
                            },
                        },
                        ensure_ascii=False,
                    )
                )
        # timelinePath segments: two-hour windows of points.
        written = 0
        moment = start
        while written < points:
            window_end = moment + timedelta(seconds=segment_s)
            path_items: list[str] = []
            lat, lon, zone = true_position(moment, stays=stays)
            seg_begin, _ = _local_iso(moment, zone)
            while written < points and moment < window_end:
                lat, lon, zone = true_position(moment, stays=stays)
                jlat, jlon = _jitter(rng, lat, lon, 30.0)
                stamp, _ = _local_iso(moment, zone)
                path_items.append(f'{{"point": "{jlat:.7f}°, {jlon:.7f}°", "time": "{stamp}"}}')
                written += 1
                moment = start + timedelta(seconds=step_s * written)
            seg_end, _ = _local_iso(moment, zone)
            emit(
                f'    {{"startTime": "{seg_begin}", "endTime": "{seg_end}", "timelinePath": ['
                + ", ".join(path_items)
                + "]}"
            )
        handle.write('\n  ],\n  "rawSignals": [\n')
        raw: list[str] = []
        for index in range(TIMELINE_FROM_STAY, len(stays)):
            stay = stays[index]
            if stay.end_utc - timedelta(hours=1) < start:
                continue
            stamp, _ = _local_iso(stay.end_utc - timedelta(hours=1), stay.timezone)
            raw.append(
                "    "
                + json.dumps(
                    {
                        "position": {
                            "LatLng": _latlng(stay.lat, stay.lon),
                            "accuracyMeters": 12,
                            "altitudeMeters": 20.0,
                            "source": "GPS",
                            "timestamp": stamp,
                            "speedMetersPerSecond": 0.0,
                        }
                    },
                    ensure_ascii=False,
                )
            )
        handle.write(",\n".join(raw))
        handle.write('\n  ],\n  "userLocationProfile": {"frequentPlaces": []}\n}\n')
    return start, end


_ACTIVITY = {
    "walking": "WALKING",
    "bus": "IN_BUS",
    "boat": "IN_FERRY",
    "train": "IN_TRAIN",
    "car": "IN_PASSENGER_VEHICLE",
}


# --- canned shell outputs ---------------------------------------------------------------------------------


def _elapsed_text(milliseconds: int) -> str:
    """Android's TimeUtils.formatDuration: ``+1d2h3m4s5ms``."""
    days, rest = divmod(milliseconds, 86_400_000)
    hours, rest = divmod(rest, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    text = "+"
    for value, unit in ((days, "d"), (hours, "h"), (minutes, "m"), (seconds, "s")):
        if value or text != "+":
            text += f"{value}{unit}"
    return text + f"{millis}ms"


def _dumpsys_location(fixes: tuple[LastKnownFix, ...], boot: datetime) -> str:
    lines = [
        "Location Manager State:",
        "  User Info:",
        "    current user: [0] ",
        "  Location Settings:",
        "    Location Enabled: true",
        "  Location Providers:",
    ]
    for fix in fixes:
        elapsed = int((fix.time_utc - boot).total_seconds() * 1000)
        lines.append(f"    {fix.provider} provider:")
        lines.append("      enabled=true")
        lines.append(
            f"      last location=Location[{fix.provider} {fix.lat:.6f},{fix.lon:.6f} hAcc={fix.accuracy_m:g} "
            f"et={_elapsed_text(elapsed)} alt=12.0 vAcc=4.0 {{Bundle[mParcelledData.dataSize=52]}}]"
        )
        coarse_lat, coarse_lon = round(fix.lat, 2), round(fix.lon, 2)
        lines.append(
            f"      last coarse location=Location[{fix.provider} {coarse_lat:.6f},{coarse_lon:.6f} hAcc=2000 "
            f"et={_elapsed_text(elapsed)}]"
        )
    lines.append("  Historical Aggregate Location Provider Data:")
    return "\n".join(lines) + "\n"


_DUMPSYS_ALARM = """Current Alarm Manager state:
  Settings:
    min_futurity=+5s0ms
    allow_while_idle_short_time=+5s0ms

  nowRTC=@NOW_RTC_MS@=@NOW_RTC_TEXT@ nowELAPSED=@NOW_ELAPSED_MS@
  mLastTimeChangeClockTime=0=1970-01-01 00:00:00.000
  mLastTimeChangeRealtime=0
  Next non-wakeup delivery time=0
  Pending alarm batches: 0
"""


SETUP_WIZARD_PACKAGE = "com.google.android.setupwizard"


def _dumpsys_setup_wizard(first_install_local: datetime) -> str:
    """``dumpsys package com.google.android.setupwizard`` in the Android 14 layout (per-user firstInstallTime).

    ``timeStamp``/``lastUpdateTime`` carry the system image's build stamp, as on real phones."""
    stamp = first_install_local.strftime("%Y-%m-%d %H:%M:%S")
    return (
        "Activity Resolver Table:\n"
        "  Non-Data Actions:\n"
        "      android.intent.action.MAIN:\n"
        f"        5d1c0a2 {SETUP_WIZARD_PACKAGE}/.SetupWizardActivity filter 9a41e07\n"
        "\n"
        "Packages:\n"
        f"  Package [{SETUP_WIZARD_PACKAGE}] (8e3c2f1):\n"
        "    userId=10123\n"
        f"    pkg=Package{{4b2a1d9 {SETUP_WIZARD_PACKAGE}}}\n"
        "    codePath=/product/priv-app/SetupWizardPrebuilt\n"
        "    resourcePath=/product/priv-app/SetupWizardPrebuilt\n"
        "    versionCode=4213 minSdk=34 targetSdk=34\n"
        "    versionName=4.2.13\n"
        "    flags=[ SYSTEM HAS_CODE ALLOW_CLEAR_USER_DATA ]\n"
        f"    dataDir=/data/user/0/{SETUP_WIZARD_PACKAGE}\n"
        "    timeStamp=2008-12-31 16:00:00\n"
        "    lastUpdateTime=2008-12-31 16:00:00\n"
        "    installerPackageName=null\n"
        "    pkgFlags=[ SYSTEM HAS_CODE ALLOW_CLEAR_USER_DATA ]\n"
        "    User 0: ceDataInode=2162 deDataInode=2049 installed=true hidden=false suspended=false "
        "distractionFlags=0 stopped=false notLaunched=false enabled=0 instant=false virtual=false\n"
        "      installReason=0\n"
        f"      firstInstallTime={stamp}\n"
        "      uninstallReason=0\n"
        "\n"
        "Dexopt state:\n"
        f"  [{SETUP_WIZARD_PACKAGE}]\n"
        "    path: /product/priv-app/SetupWizardPrebuilt/SetupWizardPrebuilt.apk\n"
    )


def _write_setup_traces(
    device_root: Path, simulator_dir: Path, *, setup_utc: datetime, offset: timedelta
) -> None:
    """What set-up leaves that a logical acquisition can read, stamped with the (possibly wrong) device clock:
    the setup wizard registered at first start, then the shared-storage folders made a few minutes later."""
    first_start_device = setup_utc - timedelta(minutes=20) + offset
    local = first_start_device.astimezone(ZoneInfo(DEVICE_TIMEZONE)).replace(tzinfo=None)
    (simulator_dir / f"dumpsys_package_{SETUP_WIZARD_PACKAGE}.txt").write_text(
        _dumpsys_setup_wizard(local), "utf-8"
    )
    for folder, after in (("Android", timedelta(0)), ("DCIM", timedelta(hours=2))):
        stamp = (setup_utc + after + offset).timestamp()
        os.utime(device_root / SDCARD.lstrip("/") / folder, (stamp, stamp))


# --- the builder ------------------------------------------------------------------------------------------


def build_phone(
    root: Path,
    *,
    photos: int,
    timeline_points: int,
    seed: int,
    clock_offset_s: float = 0,
    photo_bytes: int = 0,
    received_fraction: float = 0.1,
    without_gps_fraction: float = 0.05,
    symlink_loop: bool = False,
    stays: tuple[Stay, ...] = JOURNEY,
    setup_days_before_journey: float = 5.0,
    reset_at_stay: int | None = None,
    android_release: int = 14,
    photo_clock_offset_s: float | None = None,
    mediastore_location_every: int = 3,
    whatsapp_documents: int = 0,
) -> PhoneManifest:
    """Write a phone with ``photos`` pictures and a Timeline of ``timeline_points`` points under ``root``.

    ``clock_offset_s``: how far the device clock is ahead of true time (seconds). ``photo_bytes``: pad each
    JPEG to at least this size with a sparse trailer after EOI (0: the tiny real size, about 1 KB).
    ``symlink_loop``: add ``DCIM/loop -> .`` (a directory symlink pointing at its own parent).
    ``setup_days_before_journey``: the phone was set up (first start on empty user data) this long before the
    journey began; its traces are the setup wizard's ``firstInstallTime`` (``dumpsys package``) and the
    last-change times of ``/sdcard/Android`` and ``/sdcard/DCIM``. ``reset_at_stay``: the phone was factory
    reset 12 hours after arriving at that stay: photos and Timeline points from before are gone, and the
    set-up traces show the reset.

    ``android_release``: the Android version the phone reports (8-14); 10 and older keep WhatsApp's media
    under ``/sdcard/WhatsApp``. ``photo_clock_offset_s``: how far the clock was off when the photos were
    taken (None: ``clock_offset_s``, the clock was always that far off); set 0 for a phone whose clock was
    right then and is wrong only today. ``mediastore_location_every``: every n-th photo with a position has
    MediaStore latitude/longitude (1: all, as Android 9 and older fill them). ``whatsapp_documents``: that
    many photos received as documents (full EXIF, another phone, elsewhere) in WhatsApp Documents.
    """
    if android_release not in _SDK_LEVELS:
        raise ValueError(f"android_release must be one of {sorted(_SDK_LEVELS)}, got {android_release}")
    if mediastore_location_every < 1:
        raise ValueError("mediastore_location_every must be at least 1")
    legacy_whatsapp = android_release <= 10
    whatsapp_dir = LEGACY_WHATSAPP_DIR if legacy_whatsapp else WHATSAPP_DIR
    documents_dir = LEGACY_WHATSAPP_DOCUMENTS_DIR if legacy_whatsapp else WHATSAPP_DOCUMENTS_DIR
    rng = random.Random(seed)
    device_root = root / "device"
    simulator_dir = root / "simulator"
    sdcard_host = device_root / SDCARD.lstrip("/")
    folders = (
        CAMERA_DIR,
        whatsapp_dir,
        documents_dir,
        DOWNLOAD_DIR,
        f"{SDCARD}/Pictures",
        f"{SDCARD}/Documents",
    )
    for folder in (*folders, f"{SDCARD}/Android"):
        (device_root / folder.lstrip("/")).mkdir(parents=True, exist_ok=True)
    simulator_dir.mkdir(parents=True, exist_ok=True)
    sdcard_link = device_root / "sdcard"
    if not sdcard_link.is_symlink():
        sdcard_link.symlink_to(Path("storage") / "emulated" / "0")
    if symlink_loop and not (sdcard_host / "DCIM" / "loop").is_symlink():
        (sdcard_host / "DCIM" / "loop").symlink_to(".")
    # A document outside any location artifact: a scope test asserts it is never requested.
    (sdcard_host / "Documents" / "asylum_story_draft.txt").write_text(
        "private notes, never to be read\n", "utf-8"
    )

    offset = timedelta(seconds=clock_offset_s)
    photo_offset = timedelta(seconds=clock_offset_s if photo_clock_offset_s is None else photo_clock_offset_s)
    boot_time = stays[BOOT_STAY].start_utc + timedelta(hours=3)
    body = _jpeg_body()
    journey_start, journey_end = stays[0].start_utc, stays[-1].end_utc
    reset_utc = stays[reset_at_stay].start_utc + timedelta(hours=12) if reset_at_stay is not None else None
    setup_utc = reset_utc or journey_start - timedelta(days=setup_days_before_journey)
    span_s = (journey_end - journey_start).total_seconds()
    truths: list[PhotoTruth] = []
    media_rows: list[str] = []
    rows_with_location = 0
    used_names: set[str] = set()
    for index in range(photos):
        true_time = journey_start + timedelta(seconds=int(span_s * (index + rng.random()) / max(photos, 1)))
        true_time = min(true_time, journey_end)
        lat, lon, zone = true_position(true_time, stays=stays)
        received = rng.random() < received_fraction
        device_time = true_time + photo_offset
        zone_offset = _utc_offset(zone, device_time)
        local_time = (device_time + zone_offset).replace(tzinfo=None)
        minutes = int(zone_offset.total_seconds() // 60)
        offset_text = f"{'+' if minutes >= 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
        if received:
            make, model = "HUAWEI", "ELE-L29"
            # Someone else's photo, taken days earlier somewhere else on the route or beyond it.
            other_lat, other_lon = _jitter(rng, 52.5200, 13.4050, 5000.0)  # Berlin
            photo_lat, photo_lon = other_lat, other_lon
            has_gps_time, has_offset = True, False
            gps_time = true_time - timedelta(days=rng.randint(2, 40))
            folder = whatsapp_dir if rng.random() < 0.6 else DOWNLOAD_DIR
            name = (
                f"IMG-{local_time:%Y%m%d}-WA{index:04d}.jpg"
                if folder == whatsapp_dir
                else f"received_{index}.jpg"
            )
            exif_local: datetime | None = (gps_time + timedelta(hours=2)).replace(tzinfo=None)
            exif_offset: str | None = None
        else:
            make, model = "samsung", DEVICE_MODEL
            if rng.random() < without_gps_fraction:
                photo_lat, photo_lon = None, None
            else:
                photo_lat, photo_lon = _jitter(rng, lat, lon, 50.0)
            has_gps_time = rng.random() < 0.7
            has_offset = rng.random() < 0.6
            gps_time = true_time
            folder = CAMERA_DIR
            name = f"{local_time:%Y%m%d_%H%M%S}.jpg"
            exif_local = local_time
            exif_offset = offset_text if has_offset else None
        while name in used_names:
            name = name.replace(".jpg", "_1.jpg")
        used_names.add(name)
        device_path = f"{folder}/{name}"
        altitude_m = round(rng.uniform(5, 400), 1)
        if reset_utc is not None and true_time < reset_utc:
            continue  # wiped by the reset
        segment = exif_segment(
            make=make,
            model=model,
            local_time=exif_local,
            offset_text=exif_offset,
            lat=photo_lat,
            lon=photo_lon,
            gps_time_utc=gps_time if has_gps_time else None,
            altitude_m=altitude_m,
        )
        host_file = device_root / device_path.lstrip("/")
        with open(host_file, "wb") as handle:
            handle.write(b"\xff\xd8" + segment + body)
            if photo_bytes > handle.tell():
                handle.truncate(photo_bytes)
        mtime = device_time.timestamp()
        os.utime(host_file, (mtime, mtime))
        truths.append(
            PhotoTruth(
                device_path=device_path,
                lat=photo_lat,
                lon=photo_lon,
                time_utc=gps_time if received else true_time,
                own=not received,
                has_gps_time=has_gps_time,
                has_offset_time=exif_offset is not None,
                make=make,
                model=model,
            )
        )
        taken_ms = int(device_time.timestamp() * 1000)
        if photo_lat is not None and photo_lon is not None and index % mediastore_location_every == 0:
            rows_with_location += 1
            location = f"latitude={photo_lat}, longitude={photo_lon}"
        else:
            location = "latitude=NULL, longitude=NULL"
        media_rows.append(
            f"Row: {len(media_rows)} _id={1000 + index}, _data={device_path}, datetaken={taken_ms}, {location}\n"
        )

    for number in range(whatsapp_documents):
        # A photo someone sent "as document": WhatsApp keeps the file as sent, EXIF and all (LEGAL 15: received).
        true_time = journey_start + timedelta(seconds=int(span_s * (number + 0.5) / whatsapp_documents))
        gps_time = true_time - timedelta(days=3 + number % 7)
        doc_lat, doc_lon = _jitter(rng, 50.1109, 8.6821, 3000.0)  # Frankfurt: never on this route
        device_time = true_time + photo_offset
        local_time = (device_time + _utc_offset(DEVICE_TIMEZONE, device_time)).replace(tzinfo=None)
        device_path = f"{documents_dir}/DOC-{local_time:%Y%m%d}-WA{number:04d}.jpg"
        segment = exif_segment(
            make="Google",
            model="Pixel 4a",
            local_time=(gps_time + timedelta(hours=1)).replace(tzinfo=None),
            offset_text="+01:00",
            lat=doc_lat,
            lon=doc_lon,
            gps_time_utc=gps_time,
            altitude_m=112.0,
        )
        host_file = device_root / device_path.lstrip("/")
        with open(host_file, "wb") as handle:
            handle.write(b"\xff\xd8" + segment + body)
        os.utime(host_file, (device_time.timestamp(), device_time.timestamp()))
        truths.append(
            PhotoTruth(
                device_path=device_path,
                lat=doc_lat,
                lon=doc_lon,
                time_utc=gps_time,
                own=False,
                has_gps_time=True,
                has_offset_time=True,
                make="Google",
                model="Pixel 4a",
            )
        )
        rows_with_location += 1
        media_rows.append(
            f"Row: {len(media_rows)} _id={5000 + number}, _data={device_path}, "
            f"datetaken={int(device_time.timestamp() * 1000)}, latitude={doc_lat}, longitude={doc_lon}\n"
        )

    timeline_device_path: str | None = None
    timeline_start = timeline_end = None
    if timeline_points > 0:
        timeline_device_path = TIMELINE_PATH
        timeline_start, timeline_end = _write_timeline(
            device_root / TIMELINE_PATH.lstrip("/"), stays, timeline_points, rng, not_before=reset_utc
        )

    last = stays[-1]
    end_true = last.end_utc - timedelta(minutes=20)
    fixes = (
        LastKnownFix("gps", end_true - timedelta(minutes=7), *_jitter(rng, last.lat, last.lon, 10.0), 4.5),
        LastKnownFix(
            "network", end_true - timedelta(minutes=2), *_jitter(rng, last.lat, last.lon, 60.0), 40.0
        ),
        LastKnownFix("fused", end_true, *_jitter(rng, last.lat, last.lon, 15.0), 12.0),
    )
    properties = {
        "ro.product.manufacturer": DEVICE_MAKE,
        "ro.product.brand": DEVICE_MAKE,
        "ro.product.model": DEVICE_MODEL,
        "ro.product.name": "a52qnsxx",
        "ro.product.device": "a52q",
        "ro.serialno": DEVICE_SERIAL,
        "ro.boot.serialno": DEVICE_SERIAL,
        "ro.build.version.release": str(android_release),
        "ro.build.version.sdk": str(_SDK_LEVELS[android_release]),
        "ro.build.id": "UP1A.231005.007",
        "ro.build.fingerprint": f"samsung/a52qnsxx/a52q:{android_release}/UP1A.231005.007/A525FXXS8FXE1:user/release-keys",
        "ro.runtime.firstboot": str(int((boot_time + offset).timestamp() * 1000)),
        "persist.sys.timezone": DEVICE_TIMEZONE,
        "persist.sys.locale": "ar-SY",
        "gsm.operator.alpha": "KPN NL",
        "ro.crypto.state": "encrypted",
    }
    (simulator_dir / "device.json").write_text(
        json.dumps(
            {
                "properties": properties,
                "clock_offset_s": clock_offset_s,
                "boot_time_utc_s": boot_time.timestamp(),
            },
            indent=2,
        ),
        "utf-8",
    )
    (simulator_dir / "dumpsys_location.txt").write_text(_dumpsys_location(fixes, boot_time), "utf-8")
    (simulator_dir / "dumpsys_alarm.txt").write_text(_DUMPSYS_ALARM, "utf-8")
    (simulator_dir / "content_images.txt").write_text("".join(media_rows) or "No result found.\n", "utf-8")
    _write_setup_traces(device_root, simulator_dir, setup_utc=setup_utc, offset=photo_offset)

    country_sequence: list[str] = []
    for stay in stays:
        if not country_sequence or country_sequence[-1] != stay.country:
            country_sequence.append(stay.country)
    manifest = PhoneManifest(
        root=root,
        device_root=device_root,
        simulator_dir=simulator_dir,
        ground_truth_path=root / "ground_truth.json",
        properties=tuple(sorted(properties.items())),
        make=DEVICE_MAKE,
        model=DEVICE_MODEL,
        serial=DEVICE_SERIAL,
        timezone=DEVICE_TIMEZONE,
        clock_offset_s=float(clock_offset_s),
        boot_time_utc=boot_time,
        stays=stays,
        country_sequence=tuple(country_sequence),
        photos=tuple(truths),
        timeline_device_path=timeline_device_path,
        timeline_points=timeline_points,
        timeline_start_utc=timeline_start,
        timeline_end_utc=timeline_end,
        last_known_fixes=fixes,
        mediastore_rows_with_location=rows_with_location,
        setup_utc=setup_utc,
        reset_utc=reset_utc,
    )
    _write_ground_truth(manifest)
    return manifest


def _write_ground_truth(manifest: PhoneManifest) -> None:
    def iso(moment: datetime | None) -> str | None:
        return moment.isoformat() if moment is not None else None

    truth = {
        "device": {
            "make": manifest.make,
            "model": manifest.model,
            "serial": manifest.serial,
            "timezone": manifest.timezone,
        },
        "clock_offset_s": manifest.clock_offset_s,
        "boot_time_utc": iso(manifest.boot_time_utc),
        "country_sequence": list(manifest.country_sequence),
        "stays": [
            {
                "place": s.place,
                "country": s.country,
                "lat": s.lat,
                "lon": s.lon,
                "timezone": s.timezone,
                "start_utc": iso(s.start_utc),
                "end_utc": iso(s.end_utc),
                "mode_to_next": s.mode_to_next,
            }
            for s in manifest.stays
        ],
        "photos": [
            {
                "device_path": p.device_path,
                "lat": p.lat,
                "lon": p.lon,
                "time_utc": iso(p.time_utc),
                "own": p.own,
                "has_gps_time": p.has_gps_time,
                "has_offset_time": p.has_offset_time,
                "make": p.make,
                "model": p.model,
            }
            for p in manifest.photos
        ],
        "timeline": {
            "device_path": manifest.timeline_device_path,
            "points": manifest.timeline_points,
            "start_utc": iso(manifest.timeline_start_utc),
            "end_utc": iso(manifest.timeline_end_utc),
            "jitter_radius_m": 30.0,
        },
        "last_known_fixes": [
            {
                "provider": f.provider,
                "time_utc": iso(f.time_utc),
                "lat": f.lat,
                "lon": f.lon,
                "accuracy_m": f.accuracy_m,
            }
            for f in manifest.last_known_fixes
        ],
        "mediastore_rows_with_location": manifest.mediastore_rows_with_location,
        "setup_utc": iso(manifest.setup_utc),
        "reset_utc": iso(manifest.reset_utc),
    }
    manifest.ground_truth_path.write_text(json.dumps(truth, indent=1, ensure_ascii=False), "utf-8")

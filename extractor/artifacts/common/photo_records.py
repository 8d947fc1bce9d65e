"""Turn one photo's EXIF (``PhotoMetadata``) into a ``LocationRecord`` — shared by Android and iPhone parsers.

Time, in order of preference:
1. GPSDateStamp + GPSTimeStamp: UTC from the positioning fix → ``TimeSource.GNSS``. It is the time of the
   fix that gave the position (which may be older than the shutter), so position and time belong together.
2. DateTimeOriginal + OffsetTimeOriginal (+ SubSecTimeOriginal) → ``TimeSource.DEVICE_CLOCK``.
3. DateTimeOriginal read in the device's *current* time zone (``ctx.device_timezone``) →
   ``TimeSource.DEVICE_CLOCK``, with a note: on a journey across zones the photo may have been taken in another
   zone, so this time can be off by whole hours.
4. Otherwise no record (the position alone, without a time, says nothing about a route).

Observation (LEGAL requirement 15): a photo's position counts as the device's own only if the file sits in a
camera folder *and* its EXIF make and model match the device. Photos in messaging, download or screenshot
folders, or taken by another make/model, are ``Observation.RECEIVED`` (context only, never the device's
position); everything else that cannot be decided is ``Observation.UNKNOWN``. Each non-OWN record says why.
"""

from __future__ import annotations

import re
from collections.abc import Generator
from dataclasses import dataclass
from datetime import datetime, timedelta

from extractor.artifacts.common.exif import PhotoMetadata, read_photo_metadata
from extractor.artifacts.common.parse_summary import ParseSummary, SummaryCounter
from extractor.artifacts.spec import AcquiredItem, ParseContext
from extractor.device_models import same_model
from extractor.records import FixKind, LocationRecord, Observation, TimeSource
from extractor.timestamps import TimestampError, from_exif_local_in_zone, from_exif_local_with_offset

_MAX_HEAD_BYTES = 4 * 1024 * 1024  # never look further into a photo than this, whatever was acquired

# A DCF camera folder: DCIM/ followed by 3 digits and 5 characters (100APPLE, 101MEDIA, 100_PANA, 100ANDRO),
# or the Android camera app's DCIM/Camera.
_CAMERA_FOLDER = re.compile(r"(^|/)DCIM/(Camera|\d{3}[A-Z0-9_]{5})/", re.IGNORECASE)

# Folders whose media usually arrived from elsewhere (received, downloaded, saved, captured from the screen).
_RECEIVED_FOLDER_WORDS = (
    "whatsapp",
    "telegram",
    "signal",
    "viber",
    "messenger",
    "facebook",
    "instagram",
    "snapchat",
    "imo",
    "wechat",
    "line",
    "skype",
    "bluetooth",
    "download",
    "downloads",
    "screenshots",
    "screenshot",
    "screen recordings",
    "received",
    "shared",
)


@dataclass(frozen=True, slots=True)
class FolderKind:
    kind: str  # "camera" | "received" | "other"
    reason: str


def classify_folder(device_path: str) -> FolderKind:
    """Say whether a media path is a camera folder, a folder of received/downloaded media, or neither."""
    path = device_path.replace("\\", "/")
    directories = [part.casefold() for part in path.split("/")[:-1]]
    for part in directories:
        if part in _RECEIVED_FOLDER_WORDS or any(part.startswith(w + " ") for w in _RECEIVED_FOLDER_WORDS):
            return FolderKind(
                "received", f"folder '{part}' holds received, downloaded or screen-captured media"
            )
    if "pictures" in directories and not _CAMERA_FOLDER.search(path):
        return FolderKind("received", "folder 'Pictures' holds media saved by apps, not the camera")
    if _CAMERA_FOLDER.search(path):
        return FolderKind("camera", "camera folder")
    return FolderKind("other", "not a camera folder")


def models_match(exif_make: str, exif_model: str, device_make: str, device_model: str) -> bool:
    """True when the EXIF make/model name the same device model as the device's own identity.

    Both sides go through ``extractor.device_models.canonical_model``: an iPhone's ProductType (``iPhone10,4``)
    or its display name with a variant suffix (``iPhone 8 (GSM)``) equals EXIF ``iPhone 8``; ``SAMSUNG`` equals
    ``samsung``; ``Redmi``/``POCO`` are Xiaomi.
    """
    return same_model(exif_make, exif_model, device_make, device_model)


def decide_observation(
    metadata: PhotoMetadata, device_path: str, ctx: ParseContext
) -> tuple[Observation, str | None]:
    """Apply LEGAL 15 to one photo. Returns the observation and, unless OWN, the reason."""
    folder = classify_folder(device_path)
    if folder.kind == "received":
        return Observation.RECEIVED, folder.reason
    has_make_model = bool(metadata.make and metadata.model)
    device_known = bool(ctx.device_make and ctx.device_model)
    if has_make_model and device_known:
        assert metadata.make and metadata.model and ctx.device_make and ctx.device_model
        if not models_match(metadata.make, metadata.model, ctx.device_make, ctx.device_model):
            return (
                Observation.RECEIVED,
                f"taken by {metadata.make} {metadata.model}, not by this device ({ctx.device_make} {ctx.device_model})",
            )
        if folder.kind == "camera":
            return Observation.OWN, None
        return (
            Observation.UNKNOWN,
            f"make/model match the device but the file is not in a camera folder ({device_path})",
        )
    if not has_make_model:
        return (
            Observation.UNKNOWN,
            f"EXIF has no make/model ({folder.reason}): cannot tell which device took it",
        )
    return (
        Observation.UNKNOWN,
        "the device's make/model are not known, so the photo cannot be attributed to it",
    )


def _subseconds(text: str | None) -> timedelta:
    if not text:
        return timedelta(0)
    digits = re.match(r"\d+", text.strip())
    if not digits:
        return timedelta(0)
    return timedelta(seconds=float("0." + digits.group(0)[:6]))


@dataclass(frozen=True, slots=True)
class PhotoTime:
    time_utc: datetime
    source: TimeSource
    note: str | None


def choose_time(metadata: PhotoMetadata, ctx: ParseContext) -> PhotoTime | None:
    """Pick the photo's time per the module docstring; None when no usable time exists."""
    if metadata.gps_time_utc is not None:
        return PhotoTime(metadata.gps_time_utc, TimeSource.GNSS, None)
    if not metadata.local_time_text:
        return None
    if metadata.offset_text:
        try:
            moment = from_exif_local_with_offset(metadata.local_time_text, metadata.offset_text)
            return PhotoTime(moment + _subseconds(metadata.subsec_text), TimeSource.DEVICE_CLOCK, None)
        except TimestampError:
            pass  # fall through to the device's zone
    if ctx.device_timezone is None:
        return None
    try:
        moment = from_exif_local_in_zone(metadata.local_time_text, ctx.device_timezone)
    except TimestampError:
        return None
    zone_name = getattr(ctx.device_timezone, "key", None) or str(ctx.device_timezone)
    return PhotoTime(
        moment + _subseconds(metadata.subsec_text),
        TimeSource.DEVICE_CLOCK,
        f"DateTimeOriginal without offset read in the device's current zone {zone_name}; "
        "wrong by whole hours if the photo was taken in another zone",
    )


def _camera_clock_time(metadata: PhotoMetadata) -> datetime | None:
    """DateTimeOriginal with its stated offset: what the device clock said when the photo was taken."""
    if not (metadata.local_time_text and metadata.offset_text):
        return None
    try:
        moment = from_exif_local_with_offset(metadata.local_time_text, metadata.offset_text)
    except TimestampError:
        return None
    return moment + _subseconds(metadata.subsec_text)


class PhotoRowSkipped(Exception):
    """Internal: why one photo gave no record (used by the photo parsers to count it)."""

    def __init__(self, reason: str, *, invalid: bool) -> None:
        super().__init__(reason)
        self.invalid = invalid


def photo_record(
    metadata: PhotoMetadata, item: AcquiredItem, ctx: ParseContext, *, artifact_id: str
) -> LocationRecord:
    """One ``LocationRecord`` for one photo, or ``PhotoRowSkipped`` saying why there is none."""
    if not metadata.has_exif:
        raise PhotoRowSkipped("no EXIF", invalid=False)
    if not metadata.has_position:
        raise PhotoRowSkipped("no GPS position in EXIF", invalid=False)
    chosen = choose_time(metadata, ctx)
    if chosen is None:
        raise PhotoRowSkipped(
            "GPS position but no usable time (no GPS time, no DateTimeOriginal)", invalid=True
        )
    observation, reason = decide_observation(metadata, item.device_path, ctx)
    notes = [n for n in (reason, chosen.note) if n]
    assert metadata.lat is not None and metadata.lon is not None
    try:
        return LocationRecord(
            time_utc=chosen.time_utc,
            lat=metadata.lat,
            lon=metadata.lon,
            accuracy_m=metadata.h_positioning_error_m,
            fix_kind=FixKind.EXIF,
            time_source=chosen.source,
            artifact_id=artifact_id,
            source_path=item.device_path,
            source_sha256=item.sha256,
            row_ref="exif",
            altitude_m=metadata.altitude_m,
            observation=observation,
            note="; ".join(notes) or None,
            device_clock_utc=_camera_clock_time(metadata) if chosen.source is TimeSource.GNSS else None,
        )
    except ValueError as exc:
        raise PhotoRowSkipped(f"invalid EXIF GPS values: {exc}", invalid=True) from exc


def parse_photo(
    item: AcquiredItem, ctx: ParseContext, *, artifact_id: str
) -> Generator[LocationRecord, None, ParseSummary]:
    """The whole photo parser: read the acquired head bytes, yield at most one record, return a summary."""
    counter = SummaryCounter(rows_read=1)
    with item.open() as handle:
        head = handle.read(_MAX_HEAD_BYTES + 1)
    if len(head) > _MAX_HEAD_BYTES:
        head = head[:_MAX_HEAD_BYTES]
        counter.note(f"only the first {_MAX_HEAD_BYTES} bytes were examined")
    metadata = read_photo_metadata(head)
    counter.variant = metadata.container
    for warning in metadata.warnings:
        counter.note(f"EXIF: {warning}")
    try:
        record = photo_record(metadata, item, ctx, artifact_id=artifact_id)
    except PhotoRowSkipped as skipped:
        if skipped.invalid:
            counter.invalid("exif", str(skipped))
        else:
            counter.skipped_no_location += 1
            counter.note(str(skipped))
        return counter.freeze()
    counter.records = 1
    yield record
    return counter.freeze()

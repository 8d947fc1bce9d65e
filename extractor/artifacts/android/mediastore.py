"""Android MediaStore rows (``content query``): date taken and, where the phone still fills them, latitude and
longitude of each image.

``datetaken`` is milliseconds since 1970 as the media scanner set it — from EXIF DateTimeOriginal when
present, else the file's time — so it is a device-clock time. ``latitude``/``longitude`` were deprecated in
Android 10 and are NULL on most newer phones; only rows with a position give a record. MediaStore cannot say
which camera took a picture, so camera-folder rows are ``Observation.UNKNOWN`` (the EXIF artifact decides
own vs received, LEGAL 15) and rows from messaging/download folders are ``RECEIVED``.

Output lines look like ``Row: 3 _id=12, _data=/storage/emulated/0/DCIM/Camera/x.jpg, datetaken=1712..., ...``.
Values are not quoted, so a file name containing ``, key=`` could shift columns: the parser only accepts the
projection's own column names, in order.
"""

from __future__ import annotations

import re
from collections.abc import Generator

from extractor.artifacts.common.parse_summary import ParseSummary, SummaryCounter
from extractor.artifacts.spec import (
    AcquiredItem,
    AcquireMode,
    ArtifactSpec,
    DataCategory,
    ParseContext,
    Platform,
)
from extractor.records import FixKind, LocationRecord, Observation, TimeSource
from extractor.timestamps import from_unix_ms

PROJECTION = ("_id", "_data", "datetaken", "latitude", "longitude")
COMMAND = "content query --uri content://media/external/images/media --projection " + ":".join(PROJECTION)

SPEC = ArtifactSpec(
    id="android.mediastore_images",
    title="MediaStore image rows: date taken and position (content query)",
    platform=Platform.ANDROID,
    category=DataCategory.PHOTO_METADATA,
    commands=(COMMAND,),
    mode=AcquireMode.COMMAND,
    max_file_bytes=256 * 1024 * 1024,
    formats=("content query text output (Android 8-14)",),
    references=(
        "AOSP frameworks/base cmds/content (content query)",
        "android.provider.MediaStore.Images.ImageColumns (DATE_TAKEN, LATITUDE, LONGITUDE deprecated in API 29)",
    ),
    verified_on=(
        "extractor/simulator/phone_builder.py phone: rows with and without positions; tests/extractor/test_android_artifacts.py",
    ),
)

_ROW = re.compile(
    r"^Row: (?P<row>\d+) _id=(?P<id>[^,]*), _data=(?P<data>.*), datetaken=(?P<taken>NULL|-?\d+), "
    r"latitude=(?P<lat>NULL|-?\d+(?:\.\d+)?(?:[eE]-?\d+)?), longitude=(?P<lon>NULL|-?\d+(?:\.\d+)?(?:[eE]-?\d+)?)$"
)
_RECEIVED_FOLDERS = ("whatsapp", "telegram", "download", "signal", "messenger", "bluetooth", "screenshots")


def _observation(path: str) -> Observation:
    lowered = path.lower()
    if any(f"/{word}" in lowered for word in _RECEIVED_FOLDERS):
        return Observation.RECEIVED
    return Observation.UNKNOWN


def parse(item: AcquiredItem, ctx: ParseContext) -> Generator[LocationRecord, None, ParseSummary]:
    counter = SummaryCounter(variant="content query (MediaStore images)")
    text = item.read_bytes().decode("utf-8", "replace")
    for line in text.splitlines():
        if not line.startswith("Row: "):
            continue
        counter.rows_read += 1
        match = _ROW.match(line)
        row_number = line.split(" ", 2)[1]
        row_ref = f"row {row_number}"
        if match is None:
            counter.invalid(row_ref, "row does not have the expected columns")
            continue
        row_ref = f"row {match.group('row')} _id={match.group('id')}"
        if match.group("lat") == "NULL" or match.group("lon") == "NULL":
            counter.skipped_no_location += 1
            continue
        if match.group("taken") == "NULL":
            counter.invalid(row_ref, "position without datetaken")
            continue
        lat, lon = float(match.group("lat")), float(match.group("lon"))
        if lat == 0.0 and lon == 0.0:
            counter.skipped_no_location += 1
            continue
        observation = _observation(match.group("data"))
        try:
            record = LocationRecord(
                time_utc=from_unix_ms(int(match.group("taken"))),
                lat=lat,
                lon=lon,
                accuracy_m=None,
                fix_kind=FixKind.EXIF,
                time_source=TimeSource.DEVICE_CLOCK,
                artifact_id=SPEC.id,
                source_path=item.device_path,
                source_sha256=item.sha256,
                row_ref=row_ref,
                observation=observation,
                note=f"MediaStore row for {match.group('data')}"
                + (
                    "; folder of received media"
                    if observation is Observation.RECEIVED
                    else "; camera unknown"
                ),
                subject_path=match.group("data"),
            )
        except ValueError as exc:
            counter.invalid(row_ref, str(exc))
            continue
        counter.records += 1
        yield record
    return counter.freeze()

"""Android photos: EXIF position and time from the leading bytes of each picture (metadata-only).

Only the first ``head_bytes`` of each file are acquired (``exec:head -c``); the whole-file SHA-256 is computed
on the device. The pixels are never read (LEGAL 5). JPEG and HEIC are parsed; PNG screenshots carry no GPS and
videos keep their location in a ``moov`` box that Android writes at the end of the file, out of reach of a
metadata-only read, so neither is acquired. Whether a position is the phone's own (camera folder and matching
make/model) or received (messaging/download folders, another camera) is decided per LEGAL 15 in
``extractor.artifacts.common.photo_records``.
"""

from __future__ import annotations

from collections.abc import Generator

from extractor.artifacts.common.parse_summary import ParseSummary
from extractor.artifacts.common.photo_records import parse_photo
from extractor.artifacts.spec import (
    AcquiredItem,
    AcquireMode,
    ArtifactSpec,
    DataCategory,
    ParseContext,
    Platform,
)
from extractor.records import LocationRecord

_EXTENSIONS = ("jpg", "jpeg", "heic", "heif")
_FOLDERS = (
    "/sdcard/DCIM/**",
    "/sdcard/Pictures/**",
    "/sdcard/Download/**",
    "/sdcard/WhatsApp/Media/WhatsApp Images/**",
    "/sdcard/Android/media/com.whatsapp/WhatsApp/Media/WhatsApp Images/**",
    # photos sent "as document" keep their full EXIF: received (LEGAL 15), shown as context, never positions
    "/sdcard/WhatsApp/Media/WhatsApp Documents/**",
    "/sdcard/Android/media/com.whatsapp/WhatsApp/Media/WhatsApp Documents/**",
    "/sdcard/Telegram/Telegram Images/**",
    "/sdcard/Android/media/org.telegram.messenger/Telegram/Telegram Images/**",
)


def _globs() -> tuple[str, ...]:
    return tuple(
        f"{folder}/*.{extension}"
        for folder in _FOLDERS
        for extension in (*_EXTENSIONS, *(e.upper() for e in _EXTENSIONS))
    )


SPEC = ArtifactSpec(
    id="android.dcim_exif",
    title="Photo EXIF position and time (camera, messaging and download folders)",
    platform=Platform.ANDROID,
    category=DataCategory.PHOTO_METADATA,
    path_globs=_globs(),
    mode=AcquireMode.HEAD,
    head_bytes=131072,
    formats=("JPEG APP1 Exif", "HEIF Exif item"),
    references=(
        "CIPA DC-008 Exif 2.32/3.0 (GPS IFD, OffsetTimeOriginal)",
        "TIFF 6.0 (IFD structure)",
        "ISO/IEC 23008-12 HEIF (Exif item), ISO/IEC 14496-12 (meta/iinf/iloc boxes)",
    ),
    verified_on=(
        "tests/extractor/artifacts/test_photo_records.py: Pillow-written JPEGs with GPS IFD "
        "(camera folder → 1 OWN record; WhatsApp folder → 1 RECEIVED; no GPS → 0)",
        "tests/extractor/artifacts/test_exif.py: constructed HEIF with an Exif item in mdat and in idat",
    ),
)


def parse(item: AcquiredItem, ctx: ParseContext) -> Generator[LocationRecord, None, ParseSummary]:
    return (yield from parse_photo(item, ctx, artifact_id=SPEC.id))

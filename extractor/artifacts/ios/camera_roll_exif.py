"""iPhone photos read over AFC: EXIF position and time from the leading bytes of each picture (metadata-only).

AFC exposes the camera roll as ``/DCIM/1nnAPPLE/IMG_nnnn.{JPG,HEIC}``. Only the first ``head_bytes`` are read
(AFC read with a length); pixels are never read (LEGAL 5). iOS keeps photos saved from other apps in the same
DCIM folders, so on an iPhone the EXIF make/model carry the LEGAL 15 decision: an image without make/model
(stripped by a messenger) is UNKNOWN, another camera's image is RECEIVED. Videos (MOV) are not acquired: their
location sits in a ``moov`` box that is usually at the end of the file.
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

SPEC = ArtifactSpec(
    id="ios.afc_photos_exif",
    title="Camera roll EXIF position and time (AFC, metadata-only)",
    platform=Platform.IOS,
    category=DataCategory.PHOTO_METADATA,
    path_globs=tuple(f"/DCIM/**/*.{ext}" for ext in ("JPG", "jpg", "JPEG", "jpeg", "HEIC", "heic")),
    mode=AcquireMode.HEAD,
    head_bytes=131072,
    formats=("JPEG APP1 Exif", "HEIF Exif item"),
    references=(
        "CIPA DC-008 Exif 2.32/3.0 (GPS IFD incl. GPSHPositioningError, OffsetTimeOriginal)",
        "ISO/IEC 23008-12 HEIF (Exif item), ISO/IEC 14496-12 (meta/iinf/iloc boxes)",
    ),
    verified_on=(
        "tests/extractor/artifacts/test_photo_records.py: Pillow-written JPEG in /DCIM/100APPLE with Apple "
        "make/model and ProductType identity → 1 OWN record",
        "tests/extractor/artifacts/test_exif.py: constructed HEIF with an Exif item",
    ),
)


def parse(item: AcquiredItem, ctx: ParseContext) -> Generator[LocationRecord, None, ParseSummary]:
    return (yield from parse_photo(item, ctx, artifact_id=SPEC.id))

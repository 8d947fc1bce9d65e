"""EXIF reader for the leading bytes of a photo (metadata-only acquisition: never the pixels).

Reads JPEG (APP1 ``Exif``) and HEIC/HEIF (the ``Exif`` item of the ISO BMFF ``meta`` box) and bare TIFF
blocks. A small TIFF reader of our own is used instead of a library because the input is deliberately
truncated (the first ``head_bytes`` of the file): Pillow needs the whole image, and exifread raises a zoo of
untyped exceptions on truncated or hostile input. This reader is bounds-checked on every access, follows only
the three IFDs it needs (IFD0 → Exif IFD, GPS IFD; no chains, so no loops), caps entry counts, handles both
byte orders, and turns every structural problem into ``ArtifactCorrupted`` with a message saying what and
where. A single unreadable tag is not fatal: it is left out and listed in ``PhotoMetadata.warnings``.

References: CIPA DC-008 (Exif 2.32 / 3.0) tags and the GPS IFD; TIFF 6.0 (IFD layout, types);
ISO/IEC 14496-12 (ISO BMFF boxes: meta, iinf/infe, iloc, idat); ISO/IEC 23008-12 (HEIF, Exif item with its
4-byte TIFF-header offset).

Units: latitude/longitude in WGS84 decimal degrees (south/west negative), altitude in metres (below sea level
negative), ``h_positioning_error_m`` in metres. ``gps_time_utc`` is timezone-aware UTC; the local
DateTimeOriginal is kept as text because it has no zone of its own.
"""

from __future__ import annotations

import dataclasses
import math
import struct
from dataclasses import dataclass
from datetime import datetime

from extractor.errors import ArtifactCorrupted
from extractor.timestamps import TimestampError, from_gps_date_time


class ExifOutsideHead(ArtifactCorrupted):
    """The EXIF block exists but lies (partly) beyond the bytes acquired; a larger head would be needed."""


class UnsupportedContainer(ArtifactCorrupted):
    """The bytes are not a JPEG, HEIC/HEIF or TIFF container this reader understands."""


@dataclass(frozen=True, slots=True)
class PhotoMetadata:
    """What the EXIF of one photo says about where and when it was taken. ``None`` means absent/unreadable."""

    container: str  # "jpeg" | "heif" | "tiff"
    has_exif: bool
    make: str | None = None
    model: str | None = None
    software: str | None = None
    lat: float | None = None
    lon: float | None = None
    altitude_m: float | None = None
    gps_time_utc: datetime | None = None
    gps_map_datum: str | None = None
    h_positioning_error_m: float | None = None
    local_time_text: str | None = None  # DateTimeOriginal, "YYYY:MM:DD HH:MM:SS", local wall clock
    offset_text: str | None = None  # OffsetTimeOriginal, "+hh:mm"
    subsec_text: str | None = None  # SubSecTimeOriginal, digits of a fraction of a second
    warnings: tuple[str, ...] = ()

    @property
    def has_position(self) -> bool:
        return self.lat is not None and self.lon is not None


# --- TIFF -----------------------------------------------------------------------------------------------

_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8}
_MAX_ENTRIES_PER_IFD = 1024

_TAG_MAKE = 0x010F
_TAG_MODEL = 0x0110
_TAG_SOFTWARE = 0x0131
_TAG_EXIF_IFD = 0x8769
_TAG_GPS_IFD = 0x8825
_TAG_DATETIME_ORIGINAL = 0x9003
_TAG_OFFSET_TIME_ORIGINAL = 0x9011
_TAG_SUBSEC_TIME_ORIGINAL = 0x9291
_GPS_LAT_REF, _GPS_LAT, _GPS_LON_REF, _GPS_LON = 1, 2, 3, 4
_GPS_ALT_REF, _GPS_ALT, _GPS_TIME = 5, 6, 7
_GPS_MAP_DATUM = 18
_GPS_DATE = 29
_GPS_H_ERROR = 31


@dataclass(frozen=True, slots=True)
class _Entry:
    tag: int
    type_id: int
    count: int
    value_offset: int  # absolute offset of the value bytes within the TIFF block


class _Tiff:
    """A bounds-checked view of one TIFF block (starting at its byte-order mark)."""

    def __init__(self, data: bytes, *, where: str) -> None:
        self.data = data
        self.where = where
        if len(data) < 8:
            raise ArtifactCorrupted(f"{where}: TIFF header needs 8 bytes, got {len(data)}")
        order = data[:2]
        if order == b"II":
            self.prefix = "<"
        elif order == b"MM":
            self.prefix = ">"
        else:
            raise ArtifactCorrupted(f"{where}: TIFF byte-order mark is {order!r}, expected b'II' or b'MM'")
        (magic,) = struct.unpack(self.prefix + "H", data[2:4])
        if magic != 42:
            raise ArtifactCorrupted(f"{where}: TIFF magic number is {magic}, expected 42")
        (self.ifd0_offset,) = struct.unpack(self.prefix + "I", data[4:8])

    def read_ifd(self, offset: int, name: str) -> dict[int, _Entry]:
        data = self.data
        if offset < 8 or offset + 2 > len(data):
            raise ArtifactCorrupted(
                f"{self.where}: {name} offset {offset} is outside the {len(data)}-byte TIFF block"
            )
        (count,) = struct.unpack(self.prefix + "H", data[offset : offset + 2])
        if count > _MAX_ENTRIES_PER_IFD:
            raise ArtifactCorrupted(
                f"{self.where}: {name} claims {count} entries (limit {_MAX_ENTRIES_PER_IFD})"
            )
        end = offset + 2 + 12 * count
        if end > len(data):
            raise ArtifactCorrupted(
                f"{self.where}: {name} at {offset} has {count} entries ending at byte {end}, "
                f"past the end of the {len(data)}-byte TIFF block"
            )
        entries: dict[int, _Entry] = {}
        for index in range(count):
            start = offset + 2 + 12 * index
            tag, type_id, value_count = struct.unpack(self.prefix + "HHI", data[start : start + 8])
            size = _TYPE_SIZES.get(type_id)
            if size is None:
                continue  # unknown type: TIFF says readers skip it
            if size * value_count <= 4:
                value_offset = start + 8
            else:
                (value_offset,) = struct.unpack(self.prefix + "I", data[start + 8 : start + 12])
            entries.setdefault(tag, _Entry(tag, type_id, value_count, value_offset))
        return entries

    def _value_bytes(self, entry: _Entry) -> bytes:
        size = _TYPE_SIZES[entry.type_id] * entry.count
        end = entry.value_offset + size
        if entry.value_offset < 0 or end > len(self.data):
            raise _BadTag(
                f"value of tag 0x{entry.tag:04X} ({size} bytes at {entry.value_offset}) is outside the block"
            )
        return self.data[entry.value_offset : end]

    def ascii(self, entry: _Entry) -> str:
        if entry.type_id not in (2, 7, 1):
            raise _BadTag(f"tag 0x{entry.tag:04X} has type {entry.type_id}, expected ASCII")
        raw = self._value_bytes(entry).split(b"\x00", 1)[0]
        text = raw.decode("utf-8", errors="replace").strip()
        return text

    def numbers(self, entry: _Entry) -> list[float]:
        raw = self._value_bytes(entry)
        p = self.prefix
        t = entry.type_id
        n = entry.count
        if t in (1, 7):
            return [float(b) for b in raw]
        if t == 6:
            return [float(v) for v in struct.unpack(f"{p}{n}b", raw)]
        if t == 3:
            return [float(v) for v in struct.unpack(f"{p}{n}H", raw)]
        if t == 8:
            return [float(v) for v in struct.unpack(f"{p}{n}h", raw)]
        if t == 4:
            return [float(v) for v in struct.unpack(f"{p}{n}I", raw)]
        if t == 9:
            return [float(v) for v in struct.unpack(f"{p}{n}i", raw)]
        if t in (5, 10):
            values = struct.unpack(f"{p}{2 * n}{'I' if t == 5 else 'i'}", raw)
            out = []
            for numerator, denominator in zip(values[::2], values[1::2], strict=True):
                if denominator == 0:
                    raise _BadTag(f"tag 0x{entry.tag:04X} has a rational with denominator 0")
                out.append(numerator / denominator)
            return out
        if t == 11:
            return [float(v) for v in struct.unpack(f"{p}{n}f", raw)]
        if t == 12:
            return [float(v) for v in struct.unpack(f"{p}{n}d", raw)]
        raise _BadTag(f"tag 0x{entry.tag:04X} has non-numeric type {t}")

    def offset_value(self, entry: _Entry) -> int:
        values = self.numbers(entry)
        if len(values) != 1:
            raise _BadTag(f"IFD pointer tag 0x{entry.tag:04X} has {len(values)} values")
        return int(values[0])


class _BadTag(Exception):
    """One tag could not be read: recorded as a warning, never escapes this module."""


def _dms_to_degrees(values: list[float], tag: str) -> float:
    if not 1 <= len(values) <= 3:
        raise _BadTag(f"{tag} has {len(values)} values, expected 3 (degrees, minutes, seconds)")
    padded = values + [0.0] * (3 - len(values))
    degrees = padded[0] + padded[1] / 60 + padded[2] / 3600
    if not math.isfinite(degrees):
        raise _BadTag(f"{tag} is not a finite number")
    return degrees


def parse_tiff(block: bytes, *, where: str = "EXIF") -> PhotoMetadata:
    """Read the tags this project needs from one TIFF block (the bytes after ``Exif\\0\\0``)."""
    tiff = _Tiff(block, where=where)
    warnings: list[str] = []
    ifd0 = tiff.read_ifd(tiff.ifd0_offset, "IFD0")

    def text(ifd: dict[int, _Entry], tag: int, label: str) -> str | None:
        entry = ifd.get(tag)
        if entry is None:
            return None
        try:
            value = tiff.ascii(entry)
        except _BadTag as exc:
            warnings.append(f"{label}: {exc}")
            return None
        return value or None

    def numbers(ifd: dict[int, _Entry], tag: int, label: str) -> list[float] | None:
        entry = ifd.get(tag)
        if entry is None:
            return None
        try:
            return tiff.numbers(entry)
        except (_BadTag, struct.error) as exc:
            warnings.append(f"{label}: {exc}")
            return None

    def sub_ifd(tag: int, name: str) -> dict[int, _Entry]:
        entry = ifd0.get(tag)
        if entry is None:
            return {}
        try:
            offset = tiff.offset_value(entry)
        except (_BadTag, struct.error) as exc:
            raise ArtifactCorrupted(f"{where}: pointer to the {name} is unreadable: {exc}") from exc
        return tiff.read_ifd(offset, name)

    exif_ifd = sub_ifd(_TAG_EXIF_IFD, "Exif IFD")
    gps_ifd = sub_ifd(_TAG_GPS_IFD, "GPS IFD")

    lat = lon = altitude_m = h_error_m = None
    lat_values = numbers(gps_ifd, _GPS_LAT, "GPSLatitude")
    lon_values = numbers(gps_ifd, _GPS_LON, "GPSLongitude")
    lat_ref = text(gps_ifd, _GPS_LAT_REF, "GPSLatitudeRef")
    lon_ref = text(gps_ifd, _GPS_LON_REF, "GPSLongitudeRef")
    if lat_values is not None and lon_values is not None:
        try:
            lat = _dms_to_degrees(lat_values, "GPSLatitude")
            lon = _dms_to_degrees(lon_values, "GPSLongitude")
            if lat_ref is None or lon_ref is None:
                warnings.append("GPSLatitudeRef/GPSLongitudeRef missing: hemisphere taken as north/east")
            if (lat_ref or "N").upper().startswith("S"):
                lat = -lat
            if (lon_ref or "E").upper().startswith("W"):
                lon = -lon
        except _BadTag as exc:
            warnings.append(str(exc))
            lat = lon = None
    elif lat_values is not None or lon_values is not None:
        warnings.append("only one of GPSLatitude/GPSLongitude present")

    alt_values = numbers(gps_ifd, _GPS_ALT, "GPSAltitude")
    if alt_values:
        alt_ref = numbers(gps_ifd, _GPS_ALT_REF, "GPSAltitudeRef")
        altitude_m = -alt_values[0] if alt_ref and alt_ref[0] == 1 else alt_values[0]
        if not math.isfinite(altitude_m):
            altitude_m = None
    error_values = numbers(gps_ifd, _GPS_H_ERROR, "GPSHPositioningError")
    if error_values and math.isfinite(error_values[0]) and error_values[0] >= 0:
        h_error_m = error_values[0]

    gps_time_utc = None
    date_stamp = text(gps_ifd, _GPS_DATE, "GPSDateStamp")
    time_values = numbers(gps_ifd, _GPS_TIME, "GPSTimeStamp")
    if date_stamp and time_values:
        if len(time_values) != 3:
            warnings.append(f"GPSTimeStamp has {len(time_values)} values, expected 3")
        else:
            try:
                gps_time_utc = from_gps_date_time(
                    date_stamp, (time_values[0], time_values[1], time_values[2])
                )
            except (TimestampError, ValueError, OverflowError) as exc:
                warnings.append(f"GPS date/time unreadable: {exc}")

    return PhotoMetadata(
        container="tiff",
        has_exif=True,
        make=text(ifd0, _TAG_MAKE, "Make"),
        model=text(ifd0, _TAG_MODEL, "Model"),
        software=text(ifd0, _TAG_SOFTWARE, "Software"),
        lat=lat,
        lon=lon,
        altitude_m=altitude_m,
        gps_time_utc=gps_time_utc,
        gps_map_datum=text(gps_ifd, _GPS_MAP_DATUM, "GPSMapDatum"),
        h_positioning_error_m=h_error_m,
        local_time_text=text(exif_ifd, _TAG_DATETIME_ORIGINAL, "DateTimeOriginal"),
        offset_text=text(exif_ifd, _TAG_OFFSET_TIME_ORIGINAL, "OffsetTimeOriginal"),
        subsec_text=text(exif_ifd, _TAG_SUBSEC_TIME_ORIGINAL, "SubSecTimeOriginal"),
        warnings=tuple(warnings),
    )


# --- JPEG -----------------------------------------------------------------------------------------------

_EXIF_HEADER = b"Exif\x00\x00"
_STANDALONE_MARKERS = {0x01, *range(0xD0, 0xD8)}  # TEM, RST0..7: no length field


def _find_jpeg_exif(data: bytes) -> bytes | None:
    """Return the TIFF block of the first APP1 Exif segment, or None if the header segments have none."""
    position = 2
    while True:
        if position + 2 > len(data):
            raise ExifOutsideHead(
                f"JPEG: reached byte {position} of {len(data)} acquired without finding the Exif segment or the "
                "image data; the header segments are larger than the bytes acquired"
            )
        if data[position] != 0xFF:
            raise ArtifactCorrupted(
                f"JPEG: expected a marker (0xFF) at byte {position}, found 0x{data[position]:02X}"
            )
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker in _STANDALONE_MARKERS:
            position += 2
            continue
        if marker in (0xDA, 0xD9):  # start of scan / end of image: no Exif before the pixels
            return None
        if position + 4 > len(data):
            raise ExifOutsideHead(
                f"JPEG: segment length at byte {position + 2} lies beyond the acquired bytes"
            )
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        if length < 2:
            raise ArtifactCorrupted(
                f"JPEG: segment 0xFF{marker:02X} at byte {position} has invalid length {length}"
            )
        body_start = position + 4
        body_end = position + 2 + length
        if marker == 0xE1 and data[body_start : body_start + 6] == _EXIF_HEADER:
            if body_end > len(data):
                raise ExifOutsideHead(
                    f"JPEG: the Exif segment at byte {position} ends at byte {body_end}, but only {len(data)} "
                    "bytes were acquired"
                )
            return data[body_start + 6 : body_end]
        position = body_end


# --- HEIF (ISO BMFF) ------------------------------------------------------------------------------------

_MAX_BOXES = 10_000


def _iter_boxes(data: bytes, start: int, end: int, where: str):
    """Yield (type, body_start, end clipped to ``end``, declared end) for the boxes in data[start:end]."""
    position = start
    seen = 0
    while position + 8 <= end:
        seen += 1
        if seen > _MAX_BOXES:
            raise ArtifactCorrupted(f"{where}: more than {_MAX_BOXES} boxes")
        size, box_type = struct.unpack(">I4s", data[position : position + 8])
        header = 8
        if size == 1:
            if position + 16 > end:
                return
            (size,) = struct.unpack(">Q", data[position + 8 : position + 16])
            header = 16
        elif size == 0:
            size = end - position
        if size < header:
            raise ArtifactCorrupted(f"{where}: box {box_type!r} at byte {position} has invalid size {size}")
        yield box_type, position + header, min(position + size, end), position + size
        position += size


def _read_uint(data: bytes, position: int, size: int, where: str) -> tuple[int, int]:
    if size == 0:
        return 0, position
    if size not in (1, 2, 4, 8) or position + size > len(data):
        raise ArtifactCorrupted(f"{where}: cannot read a {size}-byte integer at byte {position}")
    return int.from_bytes(data[position : position + size], "big"), position + size


def _find_heif_exif(data: bytes) -> bytes | None:
    where = "HEIF"
    meta = None
    for box_type, body, clipped_end, real_end in _iter_boxes(data, 0, len(data), where):
        if box_type == b"meta":
            if real_end > len(data):
                raise ExifOutsideHead(
                    f"HEIF: the meta box ends at byte {real_end}, but only {len(data)} bytes were acquired"
                )
            meta = (body + 4, clipped_end)  # meta is a FullBox: skip version and flags
            break
    if meta is None:
        raise ExifOutsideHead(f"HEIF: no meta box in the first {len(data)} bytes")

    exif_item_ids: list[int] = []
    locations: dict[int, tuple[int, list[tuple[int, int]]]] = {}  # item -> (construction method, extents)
    idat: tuple[int, int] | None = None
    for box_type, body, end, _ in _iter_boxes(data, meta[0], meta[1], where + " meta"):
        if box_type == b"iinf":
            exif_item_ids = _heif_exif_items(data, body, end)
        elif box_type == b"iloc":
            locations = _heif_item_locations(data, body, end)
        elif box_type == b"idat":
            idat = (body, end)
    if not exif_item_ids:
        return None
    item_id = exif_item_ids[0]
    if item_id not in locations:
        raise ArtifactCorrupted(f"HEIF: Exif item {item_id} has no location in the iloc box")
    method, extents = locations[item_id]
    if method == 0:
        base = 0
    elif method == 1 and idat is not None:
        base = idat[0]
    else:
        raise ArtifactCorrupted(f"HEIF: Exif item {item_id} uses unsupported construction method {method}")
    payload = bytearray()
    for offset, length in extents:
        start = base + offset
        if length == 0 or start + length > len(data):
            raise ExifOutsideHead(
                f"HEIF: Exif item {item_id} lies at bytes {start}..{start + length}, beyond the {len(data)} bytes "
                "acquired; metadata-only acquisition would need a larger head for this file"
            )
        payload += data[start : start + length]
    if len(payload) < 4:
        raise ArtifactCorrupted(f"HEIF: Exif item {item_id} is only {len(payload)} bytes")
    (tiff_offset,) = struct.unpack(">I", payload[:4])
    tiff_start = 4 + tiff_offset
    if tiff_start >= len(payload):
        raise ArtifactCorrupted(f"HEIF: Exif item TIFF header offset {tiff_offset} is past the item's end")
    return bytes(payload[tiff_start:])


def _heif_exif_items(data: bytes, body: int, end: int) -> list[int]:
    where = "HEIF iinf"
    if body + 4 > end:
        raise ArtifactCorrupted(f"{where}: box too short")
    version = data[body]
    position = body + 4
    _, position = _read_uint(data, position, 2 if version == 0 else 4, where)
    items = []
    for box_type, infe_body, infe_end, _ in _iter_boxes(data, position, end, where):
        if box_type != b"infe" or infe_body + 4 > infe_end:
            continue
        infe_version = data[infe_body]
        if infe_version < 2:
            continue  # versions 0/1 carry no item type
        p = infe_body + 4
        item_id, p = _read_uint(data, p, 2 if infe_version == 2 else 4, where)
        p += 2  # item_protection_index
        if p + 4 > infe_end:
            continue
        if data[p : p + 4] == b"Exif":
            items.append(item_id)
    return items


def _heif_item_locations(data: bytes, body: int, end: int) -> dict[int, tuple[int, list[tuple[int, int]]]]:
    where = "HEIF iloc"
    view = data[:end]
    if body + 8 > end:
        raise ArtifactCorrupted(f"{where}: box too short")
    version = view[body]
    if version > 2:
        raise ArtifactCorrupted(f"{where}: unsupported version {version}")
    p = body + 4
    offset_size = view[p] >> 4
    length_size = view[p] & 0x0F
    base_offset_size = view[p + 1] >> 4
    index_size = view[p + 1] & 0x0F if version in (1, 2) else 0
    p += 2
    item_count, p = _read_uint(view, p, 2 if version < 2 else 4, where)
    if item_count > _MAX_BOXES:
        raise ArtifactCorrupted(f"{where}: {item_count} items (limit {_MAX_BOXES})")
    result: dict[int, tuple[int, list[tuple[int, int]]]] = {}
    total_extents = 0
    for _ in range(item_count):
        item_id, p = _read_uint(view, p, 2 if version < 2 else 4, where)
        method = 0
        if version in (1, 2):
            raw, p = _read_uint(view, p, 2, where)
            method = raw & 0x0F
        _, p = _read_uint(view, p, 2, where)  # data_reference_index
        base_offset, p = _read_uint(view, p, base_offset_size, where)
        extent_count, p = _read_uint(view, p, 2, where)
        extents = []
        total_extents += extent_count
        if total_extents > _MAX_BOXES:
            raise ArtifactCorrupted(f"{where}: more than {_MAX_BOXES} extents")
        for _ in range(extent_count):
            if index_size:
                _, p = _read_uint(view, p, index_size, where)
            extent_offset, p = _read_uint(view, p, offset_size, where)
            extent_length, p = _read_uint(view, p, length_size, where)
            extents.append((base_offset + extent_offset, extent_length))
        result[item_id] = (method, extents)
    return result


# --- entry point ----------------------------------------------------------------------------------------


def read_photo_metadata(head: bytes) -> PhotoMetadata:
    """Read EXIF from the leading bytes of a JPEG, HEIC/HEIF or TIFF file.

    Returns ``PhotoMetadata(has_exif=False)`` when the file is well-formed but carries no EXIF. Raises
    ``ExifOutsideHead`` when the EXIF lies beyond the bytes given, ``UnsupportedContainer`` for other file
    types, and ``ArtifactCorrupted`` for malformed structures.
    """
    if len(head) >= 3 and head[:3] == b"\xff\xd8\xff":
        container = "jpeg"
        block = _find_jpeg_exif(head)
    elif len(head) >= 12 and head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand not in (b"heic", b"heix", b"heim", b"heis", b"mif1", b"msf1", b"hevc", b"avif", b"mif2"):
            raise UnsupportedContainer(
                f"ISO BMFF file with brand {brand!r} (a video or other media): only HEIC/HEIF stills are read"
            )
        container = "heif"
        block = _find_heif_exif(head)
    elif head[:4] in (b"II*\x00", b"MM\x00*"):
        container = "tiff"
        block = head
    else:
        raise UnsupportedContainer(f"not a JPEG, HEIC/HEIF or TIFF file (starts with {head[:8]!r})")
    if block is None:
        return PhotoMetadata(container=container, has_exif=False)
    metadata = parse_tiff(block, where=f"{container.upper()} EXIF")
    return dataclasses.replace(metadata, container=container)

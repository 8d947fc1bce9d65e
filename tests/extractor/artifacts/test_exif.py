"""EXIF reader on the leading bytes of real JPEGs (written by Pillow) and constructed HEIFs."""

from __future__ import annotations

import random
import struct
from datetime import UTC, datetime

import pytest
from PIL import Image

from extractor.artifacts.common.exif import (
    ExifOutsideHead,
    UnsupportedContainer,
    parse_tiff,
    read_photo_metadata,
)
from extractor.errors import ArtifactCorrupted
from tests.extractor.artifacts.fixtures import make_exif, make_heif, make_jpeg

GPS_UTC = datetime(2024, 3, 1, 8, 15, 30, tzinfo=UTC)


def _full_exif(**overrides: object) -> Image.Exif:
    arguments: dict[str, object] = dict(
        make="samsung",
        model="SM-A525F",
        lat=-33.8688,
        lon=-70.6693,
        altitude_m=-12.5,
        gps_utc=GPS_UTC,
        local_time_text="2024:03:01 05:15:31",
        offset_text="-03:00",
        subsec_text="250",
        h_error_m=6.25,
    )
    arguments.update(overrides)
    return make_exif(**arguments)  # type: ignore[arg-type]


@pytest.mark.parametrize("little_endian", [False, True])
def test_reads_every_needed_tag_from_a_pillow_jpeg(little_endian: bool) -> None:
    data = make_jpeg(_full_exif(little_endian=little_endian))
    metadata = read_photo_metadata(data)
    assert metadata.container == "jpeg" and metadata.has_exif
    assert (metadata.make, metadata.model) == ("samsung", "SM-A525F")
    assert metadata.lat == pytest.approx(-33.8688, abs=1e-6)
    assert metadata.lon == pytest.approx(-70.6693, abs=1e-6)
    assert metadata.altitude_m == pytest.approx(-12.5)
    assert metadata.gps_time_utc == GPS_UTC
    assert metadata.local_time_text == "2024:03:01 05:15:31"
    assert metadata.offset_text == "-03:00"
    assert metadata.subsec_text == "250"
    assert metadata.h_positioning_error_m == pytest.approx(6.25)
    assert metadata.warnings == ()
    # Cross-check against Pillow reading the whole image.
    pillow_gps = Image.open(__import__("io").BytesIO(data)).getexif().get_ifd(0x8825)
    assert pillow_gps[1] == "S" and pillow_gps[3] == "W"


def test_reads_from_only_the_leading_bytes_of_a_large_jpeg() -> None:
    data = make_jpeg(_full_exif(), size=(1600, 1200))
    assert len(data) > 10_000
    metadata = read_photo_metadata(data[:4096])
    assert metadata.lat == pytest.approx(-33.8688, abs=1e-6)


def test_jpeg_without_exif_and_without_gps() -> None:
    assert read_photo_metadata(make_jpeg(None)).has_exif is False
    metadata = read_photo_metadata(
        make_jpeg(make_exif(lat=None, lon=None, local_time_text="2024:01:01 00:00:00"))
    )
    assert (
        metadata.has_exif and not metadata.has_position and metadata.local_time_text == "2024:01:01 00:00:00"
    )


@pytest.mark.parametrize("in_idat", [False, True])
def test_heif_exif_item(in_idat: bool) -> None:
    metadata = read_photo_metadata(make_heif(_full_exif(), in_idat=in_idat))
    assert metadata.container == "heif"
    assert metadata.model == "SM-A525F"
    assert metadata.lat == pytest.approx(-33.8688, abs=1e-6)
    assert metadata.gps_time_utc == GPS_UTC


def test_heif_without_exif_item_and_exif_outside_head() -> None:
    assert read_photo_metadata(make_heif(None)).has_exif is False
    data = make_heif(_full_exif(), mdat_padding=200_000)
    with pytest.raises(ExifOutsideHead, match="beyond the 131072 bytes acquired"):
        read_photo_metadata(data[:131072])
    assert read_photo_metadata(data).lat is not None


def test_video_and_other_files_are_refused_clearly() -> None:
    mp4 = struct.pack(">I4s", 24, b"ftyp") + b"isom" + b"\x00" * 4 + b"isomavc1"
    with pytest.raises(UnsupportedContainer, match="only HEIC/HEIF stills"):
        read_photo_metadata(mp4)
    with pytest.raises(UnsupportedContainer, match="not a JPEG"):
        read_photo_metadata(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    with pytest.raises(UnsupportedContainer):
        read_photo_metadata(b"")


def test_exif_segment_cut_by_the_head_limit() -> None:
    data = make_jpeg(_full_exif())
    exif_start = data.index(b"Exif\x00\x00")
    with pytest.raises(ExifOutsideHead, match="only"):
        read_photo_metadata(data[: exif_start + 40])


def test_structural_corruption_gives_clear_errors() -> None:
    with pytest.raises(ArtifactCorrupted, match="byte-order mark"):
        parse_tiff(b"XX*\x00\x08\x00\x00\x00")
    with pytest.raises(ArtifactCorrupted, match="IFD0 offset 4000"):
        parse_tiff(b"II*\x00" + struct.pack("<I", 4000))
    # An IFD claiming more entries than fit in the block.
    with pytest.raises(ArtifactCorrupted, match="past the end"):
        parse_tiff(b"II*\x00" + struct.pack("<IH", 8, 50))


def test_a_bad_tag_is_a_warning_not_a_failure() -> None:
    # IFD0 with Make pointing outside the block and a GPS IFD whose latitude has a zero denominator.
    block = bytearray(b"MM\x00*" + struct.pack(">I", 8))
    block += struct.pack(">H", 2)
    block += struct.pack(">HHII", 0x010F, 2, 20, 5000)  # Make: 20 bytes at offset 5000 (outside)
    block += struct.pack(">HHII", 0x8825, 4, 1, 38)  # GPS IFD at 38
    block += struct.pack(">I", 0)
    assert len(block) == 38
    block += struct.pack(">H", 2)
    block += struct.pack(">HHII", 2, 5, 3, 68)  # GPSLatitude rationals at 68
    block += struct.pack(">HHII", 4, 5, 3, 92)  # GPSLongitude rationals at 92
    block += struct.pack(">I", 0)
    assert len(block) == 68
    block += struct.pack(">6I", 10, 1, 0, 1, 0, 0)  # zero denominator
    block += struct.pack(">6I", 20, 1, 30, 1, 0, 1)
    metadata = parse_tiff(bytes(block))
    assert metadata.make is None and metadata.lat is None
    assert any("Make" in w for w in metadata.warnings)
    assert any("denominator 0" in w for w in metadata.warnings)


def test_fuzzed_truncations_and_bit_flips_never_crash_or_hang() -> None:
    """Random damage must give metadata or ArtifactCorrupted, nothing else, quickly."""
    rng = random.Random(20240301)
    originals = [
        make_jpeg(_full_exif()),
        make_heif(_full_exif()),
        make_heif(_full_exif(little_endian=True), in_idat=True),
    ]
    outcomes = {"ok": 0, "corrupted": 0}
    for _ in range(1500):
        data = bytearray(rng.choice(originals))
        if rng.random() < 0.5:
            del data[rng.randrange(len(data)) :]
        for _ in range(rng.randint(1, 8)):
            if data:
                position = rng.randrange(min(len(data), 700))
                data[position] ^= 1 << rng.randrange(8)
        try:
            read_photo_metadata(bytes(data))
            outcomes["ok"] += 1
        except ArtifactCorrupted:
            outcomes["corrupted"] += 1
    assert outcomes["ok"] > 0 and outcomes["corrupted"] > 0

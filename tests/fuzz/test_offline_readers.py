"""Offline readers on hostile input: an iOS backup folder whose Manifest.plist / Manifest.db are corrupted or
hold hostile values, prior extractions as zip / tar / tar.gz with corrupted bytes, and EXIF / HEIF blocks.
Opening, walking, reading every file, hashing and reading the identity either work or raise the extractor's
own error (``ExtractionError``) — never another exception.
"""

from __future__ import annotations

import io
import plistlib
import tarfile
import tempfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from extractor.artifacts.common.exif import read_photo_metadata
from extractor.errors import ExtractionError
from extractor.simulator.ios_backup_builder import BackupFileSpec, BackupIdentity, write_backup_folder
from extractor.sources.archive import open_prior_extraction
from extractor.sources.base import walk
from extractor.sources.ios_backup import IosBackupSource
from tests.extractor.artifacts.fixtures import make_exif, make_heif, make_jpeg
from tests.fuzz.test_artifact_parsers import corrupted

IDENTITY = BackupIdentity(udid="00008110-000A1B2C3D4E5F60", device_name="Fuzzed iPhone")
BACKUP_FILES = [
    BackupFileSpec(
        "CameraRollDomain", "Media/DCIM/100APPLE/IMG_0001.JPG", b"\xff\xd8\xff" + bytes(range(200))
    ),
    BackupFileSpec("HomeDomain", "Library/Preferences/com.apple.Maps.plist", plistlib.dumps({"Sim": True})),
]


def _template_backup() -> dict[str, bytes]:
    with tempfile.TemporaryDirectory() as directory:
        folder = write_backup_folder(Path(directory) / IDENTITY.udid, BACKUP_FILES, IDENTITY)
        return {
            str(path.relative_to(folder)): path.read_bytes() for path in folder.rglob("*") if path.is_file()
        }


TEMPLATE = _template_backup()


def read_everything(source) -> None:  # type: ignore[no-untyped-def]
    """What a job does with a source: list it, stat, read and hash every file."""
    try:
        for entry in walk(source, "/"):
            if entry.is_dir:
                continue
            source.stat(entry.path)
            source.read_range(entry.path, 0, 1 << 20)
            source.sha256(entry.path)
    finally:
        source.close()


def open_backup(replaced: dict[str, bytes]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory) / IDENTITY.udid
        for name, data in {**TEMPLATE, **replaced}.items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(data)
        try:
            source = IosBackupSource(folder)
        except ExtractionError:
            return
        try:
            source.identity()
            read_everything(source)
        except ExtractionError:
            return


@given(data=st.data())
def test_ios_backup_with_a_corrupted_manifest_db(data: st.DataObject) -> None:
    open_backup({"Manifest.db": data.draw(corrupted(TEMPLATE["Manifest.db"]) | st.binary(max_size=2048))})


@given(data=st.data())
def test_ios_backup_with_a_corrupted_manifest_plist(data: st.DataObject) -> None:
    open_backup(
        {"Manifest.plist": data.draw(corrupted(TEMPLATE["Manifest.plist"]) | st.binary(max_size=2048))}
    )


PLIST_VALUES = st.recursive(
    st.none().map(lambda _: "")
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False)
    | st.text(max_size=30)
    | st.binary(max_size=30)
    | st.datetimes(),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=8,
)


@given(data=st.data())
def test_ios_backup_with_hostile_plist_values(data: st.DataObject) -> None:
    """A well-formed Manifest.plist / Info.plist whose keys hold the wrong types or odd values."""
    name = data.draw(
        st.sampled_from([n for n in ("Manifest.plist", "Info.plist", "Status.plist") if n in TEMPLATE])
    )
    document = plistlib.loads(TEMPLATE[name])
    for _ in range(data.draw(st.integers(1, 3))):
        key = data.draw(st.sampled_from(sorted(document)) | st.text(max_size=10))
        nested = document.get(key)
        if isinstance(nested, dict) and nested and data.draw(st.booleans()):
            nested[data.draw(st.sampled_from(sorted(nested)))] = data.draw(PLIST_VALUES)
        else:
            document[key] = data.draw(PLIST_VALUES)
    open_backup({name: plistlib.dumps(document, fmt=plistlib.FMT_BINARY)})  # binary: any string is storable


TREE = {
    "sdcard/DCIM/Camera/IMG_1.jpg": b"\xff\xd8" + bytes(range(256)) * 8,
    "sdcard/Download/Timeline.json": b'{"semanticSegments": []}',
}


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in TREE.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _tar(mode: str) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as archive:
        for name, data in TREE.items():
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), datetime(2024, 3, 1, tzinfo=UTC).timestamp()
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


ARCHIVES = {"tree.zip": _zip(), "tree.tar": _tar("w"), "tree.tar.gz": _tar("w:gz")}


@given(data=st.data())
def test_prior_extraction_archives_corrupted(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(sorted(ARCHIVES)))
    payload = data.draw(corrupted(ARCHIVES[name]) | st.binary(max_size=2048))
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / name
        path.write_bytes(payload)
        try:
            read_everything(open_prior_extraction(path))
        except ExtractionError:
            return


PHOTOS = {
    "jpeg": make_jpeg(
        make_exif(lat=37.9838, lon=23.7275, local_time_text="2024:03:01 10:15:30", offset_text="+02:00")
    ),
    "heif": make_heif(
        make_exif(lat=37.9838, lon=23.7275, local_time_text="2024:03:01 10:15:30", offset_text="+02:00")
    ),
}


@given(data=st.data())
def test_exif_and_heif_blocks_corrupted(data: st.DataObject) -> None:
    kind = data.draw(st.sampled_from(sorted(PHOTOS)))
    head = data.draw(corrupted(PHOTOS[kind]) | st.binary(max_size=2048))
    try:
        read_photo_metadata(head)  # an out-of-range position may come back: the photo parsers count it as
    except ExtractionError:  # invalid (test_artifact_parsers checks that no record leaves with one)
        return

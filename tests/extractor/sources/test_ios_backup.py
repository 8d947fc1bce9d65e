from __future__ import annotations

import hashlib
import sqlite3

import pytest

from extractor.errors import HostileInput
from extractor.simulator.ios_backup_builder import write_backup_folder
from extractor.sources.base import Source, walk
from extractor.sources.ios_backup import (
    BackupPasswordIncorrect,
    BackupPasswordRequired,
    IosBackupSource,
    NotAnIosBackup,
)

PHOTOS = "CameraRollDomain/Media/PhotoData/Photos.sqlite"


@pytest.mark.parametrize("password", [None, "S3cret backup pw"])
def test_backup_folder_presents_domain_paths_with_the_original_bytes(
    tmp_path, media, backup_files, identity, password
):
    folder = write_backup_folder(tmp_path / identity.udid, backup_files, identity, password=password)
    with IosBackupSource(folder, password=password) as source:
        assert isinstance(source, Source)
        assert source.is_encrypted is (password is not None)
        paths = {entry.path for entry in walk(source, "/")}
        assert paths == {spec.domain_path for spec in backup_files}
        original = media.photos_sqlite.read_bytes()
        assert source.stat(PHOTOS).size == len(original)
        assert source.read_range("/" + PHOTOS, 0, 10**9) == original
        for offset, length in [(0, 1), (15, 2), (16, 16), (4000, 5000), (len(original) - 3, 100)]:
            assert source.read_range(PHOTOS, offset, length) == original[offset : offset + length]
        assert source.sha256(PHOTOS) == hashlib.sha256(original).hexdigest()
        photo = media.photos[0]
        jpeg = (media.root / photo.device_path.lstrip("/")).read_bytes()
        assert source.read_range(f"CameraRollDomain/Media{photo.device_path}", 0, 4096) == jpeg[:4096]
        ident = source.identity()
        assert (ident.model, ident.serial, ident.os_version) == (
            "iPhone14,5",
            identity.serial_number,
            "17.4.1",
        )
        assert ("device_name", "Amina's iPhone") in ident.extra


def test_encrypted_backup_wrong_or_missing_password(tmp_path, backup_files, identity, caplog):
    folder = write_backup_folder(tmp_path / identity.udid, backup_files, identity, password="right one")
    with pytest.raises(BackupPasswordIncorrect, match="password is wrong") as wrong:
        IosBackupSource(folder, password="wrong one")
    assert "wrong one" not in str(wrong.value) and "right one" not in caplog.text
    with pytest.raises(BackupPasswordRequired):
        IosBackupSource(folder)
    # the bytes at rest really are encrypted
    assert not any(p.read_bytes().startswith(b"SQLite format 3") for p in folder.glob("*/*"))


def test_filtered_backup_lists_only_present_files(tmp_path, backup_files, identity):
    folder = write_backup_folder(tmp_path / identity.udid, backup_files, identity)
    removed = [spec for spec in backup_files if spec.domain == "HomeDomain"]
    for spec in removed:
        (folder / spec.file_id[:2] / spec.file_id).unlink()
    with IosBackupSource(folder) as source:
        assert not any(path.startswith("HomeDomain/") for path in source.paths())
        assert source.missing_files == len(removed)


def test_hostile_manifest_file_id_is_refused(tmp_path, backup_files, identity):
    folder = write_backup_folder(tmp_path / identity.udid, backup_files, identity)
    with sqlite3.connect(folder / "Manifest.db") as connection:
        connection.execute(
            "UPDATE Files SET fileID = '../../../etc/passwd' WHERE relativePath = 'Library/SMS/sms.db'"
        )
    with pytest.raises(HostileInput, match="invalid fileID"):
        IosBackupSource(folder)


def test_not_a_backup(tmp_path):
    with pytest.raises(NotAnIosBackup):
        IosBackupSource(tmp_path)

"""Offline inputs are read beneath their folder only: no symlink is followed, no hard link read, no bomb
unpacked (issue 13, finding 2)."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest

from extractor.errors import HostileInput, SourceFileNotFound
from extractor.simulator.ios_backup_builder import write_backup_folder
from extractor.sources.archive import FolderSource, open_prior_extraction
from extractor.sources.confined import ConfinedRoot, confine_import
from extractor.sources.ios_backup import IosBackupSource
from extractor.sources.single_file import SingleFileSource

PHOTOS = "CameraRollDomain/Media/PhotoData/Photos.sqlite"
SECRET = b"station secret: must never be read into a case\n"


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir()
    path = outside / "secret.txt"
    path.write_bytes(SECRET)
    return path


def test_a_stored_backup_file_that_is_a_symlink_is_refused_not_followed(
    tmp_path, backup_files, identity, secret
) -> None:
    folder = write_backup_folder(tmp_path / identity.udid, backup_files, identity)
    with IosBackupSource(folder) as source:
        record = source._record(PHOTOS)
    stored = folder / record.file_id[:2] / record.file_id
    stored.unlink()
    stored.symlink_to(secret)
    with IosBackupSource(folder) as source:
        with pytest.raises(HostileInput, match="symbolic link"):
            source.read_range(PHOTOS, 0, 10**6)


def test_a_backup_manifest_that_is_a_symlink_is_refused(tmp_path, backup_files, identity, secret) -> None:
    folder = write_backup_folder(tmp_path / identity.udid, backup_files, identity)
    (folder / "Manifest.db").unlink()
    (folder / "Manifest.db").symlink_to(secret)
    with pytest.raises((HostileInput, SourceFileNotFound)):
        IosBackupSource(folder)


def test_a_hard_link_inside_an_imported_folder_is_refused(tmp_path, secret) -> None:
    tree = tmp_path / "tree" / "sdcard" / "DCIM"
    tree.mkdir(parents=True)
    (tree / "ok.jpg").write_bytes(b"\xff\xd8 a photo")
    os.link(secret, tree / "linked.jpg")
    with pytest.raises(HostileInput, match="hard links"):
        FolderSource(tmp_path / "tree")
    with pytest.raises(HostileInput, match="hard links"):
        SingleFileSource(tree / "linked.jpg")


def test_a_folder_swapped_for_a_symlink_after_the_check_is_refused_at_open_time(tmp_path, secret) -> None:
    imports = tmp_path / "imports"
    (imports / "case-7").mkdir(parents=True)
    (imports / "case-7" / "Timeline.json").write_text("{}")
    confined = confine_import(imports / "case-7", imports)
    assert confined.is_dir()
    # after the job was created, someone swaps the input folder for a link to a folder outside
    (imports / "case-7" / "Timeline.json").unlink()
    (imports / "case-7").rmdir()
    (imports / "case-7").symlink_to(secret.parent, target_is_directory=True)
    assert not confined.is_dir()
    with pytest.raises(HostileInput, match="symbolic link"):
        open_prior_extraction(confined)
    with pytest.raises(HostileInput, match="symbolic link"):
        ConfinedRoot(imports, "case-7").open("secret.txt")
    with pytest.raises(HostileInput, match="not inside"):
        confine_import(secret, imports)


def test_a_zip_of_many_small_well_compressed_members_is_a_bomb(tmp_path) -> None:
    path = tmp_path / "many.zip"
    megabyte = bytes(1024 * 1024)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for index in range(
            400
        ):  # 400 MiB from about half a megabyte: each member stays under the per-member rule
            archive.writestr(f"sdcard/junk/{index:04}.bin", megabyte)
    assert path.stat().st_size < 1024 * 1024
    with pytest.raises(HostileInput, match="decompression bomb"):
        open_prior_extraction(path)


def test_an_ordinary_zip_still_opens(tmp_path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("sdcard/DCIM/Camera/IMG_1.jpg", os.urandom(200_000))
    (tmp_path / "prior.zip").write_bytes(buffer.getvalue())
    source = open_prior_extraction(tmp_path / "prior.zip")
    try:
        assert source.stat("/sdcard/DCIM/Camera/IMG_1.jpg").size == 200_000
    finally:
        source.close()

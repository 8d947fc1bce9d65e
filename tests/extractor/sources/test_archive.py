from __future__ import annotations

import io
import os
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest

from extractor.errors import HostileInput
from extractor.sources.archive import ArchiveLimits, input_sha256, open_prior_extraction
from extractor.sources.base import Source, walk

EXPECTED = {"/sdcard/DCIM/Camera/IMG_1.jpg", "/sdcard/Download/Timeline.json"}


def _zip(path: Path, members: dict[str, bytes], *, symlink: str | None = None) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=zipfile.ZIP_DEFLATED)
        if symlink is not None:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/passwd")
    return path


def _tar(path: Path, members: list[tarfile.TarInfo], data: dict[str, bytes], mode: str = "w") -> Path:
    with tarfile.open(path, mode) as archive:
        for info in members:
            payload = data.get(info.name)
            archive.addfile(info, io.BytesIO(payload) if payload is not None else None)
    return path


def _file_info(name: str, data: bytes) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info


@pytest.mark.parametrize("kind", ["folder", "zip", "tar", "tar.gz"])
def test_prior_extraction_reads_the_tree_in_place(tmp_path, phone_tree, kind):
    if kind == "folder":
        target = phone_tree
    elif kind == "zip":
        target = _zip(
            tmp_path / "x.zip",
            {
                p.relative_to(phone_tree).as_posix(): p.read_bytes()
                for p in phone_tree.rglob("*")
                if p.is_file()
            },
        )
    else:
        target = tmp_path / f"x.{kind}"
        with tarfile.open(target, "w:gz" if kind == "tar.gz" else "w") as archive:
            archive.add(phone_tree / "sdcard", arcname="sdcard")
    source = open_prior_extraction(target)
    try:
        assert isinstance(source, Source)
        assert {e.path for e in walk(source, "/")} == EXPECTED
        jpeg = (phone_tree / "sdcard/DCIM/Camera/IMG_1.jpg").read_bytes()
        assert source.stat("/sdcard/DCIM/Camera/IMG_1.jpg").size == len(jpeg)
        assert source.read_range("/sdcard/DCIM/Camera/IMG_1.jpg", 100, 50) == jpeg[100:150]
        assert source.read_range("sdcard/DCIM/Camera/IMG_1.jpg", 0, 10**6) == jpeg
        assert source.stat("/nope") is None
    finally:
        source.close()
    if kind != "folder":
        assert len(input_sha256(target)) == 64


def test_zip_slip_is_refused(tmp_path):
    with pytest.raises(HostileInput, match="zip-slip"):
        open_prior_extraction(_zip(tmp_path / "slip.zip", {"sdcard/../../../etc/cron.d/x": b"boom"}))
    with pytest.raises(HostileInput, match="zip-slip"):
        open_prior_extraction(_tar(tmp_path / "slip.tar", [_file_info("../x", b"a")], {"../x": b"a"}))


@pytest.mark.parametrize("name", ["/etc/passwd", "C:/Windows/x.dll", "sdcard\\..\\..\\x"])
def test_absolute_and_windows_paths_are_refused(tmp_path, name):
    with pytest.raises(HostileInput):
        open_prior_extraction(_zip(tmp_path / "abs.zip", {name: b"x"}))
    with pytest.raises(HostileInput):
        open_prior_extraction(_tar(tmp_path / "abs.tar", [_file_info(name, b"x")], {name: b"x"}))


def test_symlinks_and_hardlinks_are_refused(tmp_path, phone_tree):
    with pytest.raises(HostileInput, match="symlink"):
        open_prior_extraction(_zip(tmp_path / "link.zip", {"a.txt": b"a"}, symlink="sdcard/evil"))
    sym = tarfile.TarInfo("sdcard/evil")
    sym.type, sym.linkname = tarfile.SYMTYPE, "/etc/shadow"
    with pytest.raises(HostileInput, match="symlink"):
        open_prior_extraction(_tar(tmp_path / "sym.tar", [sym], {}))
    hard = tarfile.TarInfo("sdcard/hard")
    hard.type, hard.linkname = tarfile.LNKTYPE, "/etc/shadow"
    with pytest.raises(HostileInput, match="hardlink"):
        open_prior_extraction(_tar(tmp_path / "hard.tar", [hard], {}))
    fifo = tarfile.TarInfo("sdcard/pipe")
    fifo.type = tarfile.FIFOTYPE
    with pytest.raises(HostileInput, match="device or fifo"):
        open_prior_extraction(_tar(tmp_path / "fifo.tar", [fifo], {}))
    os.symlink("/etc/passwd", phone_tree / "sdcard/passwd")
    with pytest.raises(HostileInput, match="symlink"):
        open_prior_extraction(phone_tree)


def test_zip_bomb_by_ratio_and_by_total_size_is_refused(tmp_path):
    zeros = bytes(20 * 1024 * 1024)
    bomb = _zip(tmp_path / "bomb.zip", {"sdcard/zeros.bin": zeros})
    assert bomb.stat().st_size < 100_000
    with pytest.raises(HostileInput, match="zip bomb"):
        open_prior_extraction(bomb)
    many = _zip(tmp_path / "many.zip", {f"sdcard/f{i}.bin": os.urandom(4096) for i in range(20)})
    with pytest.raises(HostileInput, match="zip bomb"):
        open_prior_extraction(many, limits=ArchiveLimits(max_total_bytes=50_000))
    gz_bomb = _tar(
        tmp_path / "bomb.tar.gz", [_file_info("sdcard/zeros.bin", zeros)], {"sdcard/zeros.bin": zeros}, "w:gz"
    )
    with pytest.raises(HostileInput, match="decompression bomb"):
        open_prior_extraction(gz_bomb)


def test_huge_members_are_refused(tmp_path, phone_tree):
    data = os.urandom(300_000)
    limits = ArchiveLimits(max_member_bytes=100_000)
    with pytest.raises(HostileInput, match="over the"):
        open_prior_extraction(_zip(tmp_path / "big.zip", {"sdcard/big.bin": data}), limits=limits)
    with pytest.raises(HostileInput, match="over the"):
        open_prior_extraction(
            _tar(tmp_path / "big.tar", [_file_info("sdcard/big.bin", data)], {"sdcard/big.bin": data}),
            limits=limits,
        )
    (phone_tree / "sdcard/big.bin").write_bytes(data)
    with pytest.raises(HostileInput, match="over the limit"):
        open_prior_extraction(phone_tree, limits=limits)

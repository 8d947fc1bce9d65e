"""A prior logical extraction (a phone file tree) in a folder, ``.zip``, ``.tar`` or ``.tar.gz``, as a Source.

The whole input is checked when it is opened and refused with ``HostileInput`` if any member is unsafe:
an absolute path or drive letter, a ``..`` component (zip-slip), a symlink (or, in tar, a hardlink or a
device/fifo), too many members, a member larger than ``max_member_bytes``, more than
``max_total_bytes`` uncompressed in total, or a compression ratio above ``max_compression_ratio`` (a zip
bomb). Nothing is ever extracted to disk: members are read in place, and member names are only ever used
as keys, never as local paths. A folder is read in place too; a symlink anywhere in it is refused.

Paths are POSIX with a leading ``/`` (``/sdcard/DCIM/Camera/IMG_1.jpg`` or ``/DCIM/100APPLE/IMG_0001.JPG``),
as the tree was laid out in the archive.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import stat as stat_module
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from extractor.errors import ArtifactCorrupted, HostileInput, SourceFileNotFound
from extractor.sources.base import SourceEntry

_HASH_CHUNK = 1024 * 1024


@dataclass(frozen=True, slots=True)
class ArchiveLimits:
    max_members: int = 2_000_000
    max_member_bytes: int = 8 * 1024**3
    max_total_bytes: int = 64 * 1024**3
    max_compression_ratio: float = (
        200.0  # uncompressed / compressed, per member (zip) or whole stream (tar.gz)
    )
    ratio_applies_above_bytes: int = 1024 * 1024  # tiny members compress absurdly well and harm no one


@dataclass(frozen=True, slots=True)
class _Member:
    path: str
    size: int
    mtime: datetime | None


def _safe_member_path(name: str) -> str:
    """The member's path as a Source path, or HostileInput if it could escape a root when extracted."""
    if not name or "\x00" in name:
        raise HostileInput(f"archive member with an empty or NUL-containing name {name!r}")
    if "\\" in name:
        raise HostileInput(
            f"archive member {name!r} uses backslashes (a Windows path that can escape the root)"
        )
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise HostileInput(f"archive member {name!r} has an absolute path")
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise HostileInput(f"archive member {name!r} climbs out of the archive root with '..' (zip-slip)")
    return "/" + "/".join(parts)


class _TreeSource:
    """Common directory index and Source methods over a member table."""

    method = "archive"

    def __init__(self) -> None:
        self._members: dict[str, _Member] = {}
        self._children: dict[str, dict[str, bool]] = {"/": {}}

    def _index(self, member: _Member) -> None:
        if member.path in self._members or member.path in self._children:
            raise HostileInput(f"archive holds {member.path!r} twice (or as both a file and a folder)")
        self._members[member.path] = member
        path = member.path
        is_dir = False
        while path != "/":
            parent = posixpath.dirname(path)
            siblings = self._children.setdefault(parent, {})
            siblings[posixpath.basename(path)] = is_dir or siblings.get(posixpath.basename(path), False)
            if is_dir:
                self._children.setdefault(path, {})
            path, is_dir = parent, True

    @staticmethod
    def _normalize(path: str) -> str:
        return posixpath.normpath("/" + path.lstrip("/"))

    def list_dir(self, path: str) -> Iterator[SourceEntry]:
        directory = self._normalize(path)
        children = self._children.get(directory)
        if children is None:
            raise SourceFileNotFound(f"{path!r} is not a folder in this input")
        for name, is_dir in sorted(children.items()):
            child = posixpath.join(directory, name)
            if is_dir:
                yield SourceEntry(path=child, size=None, mtime=None, is_dir=True)
            else:
                member = self._members[child]
                yield SourceEntry(path=child, size=member.size, mtime=member.mtime)

    def stat(self, path: str) -> SourceEntry | None:
        normalized = self._normalize(path)
        member = self._members.get(normalized)
        if member is not None:
            return SourceEntry(path=normalized, size=member.size, mtime=member.mtime)
        if normalized in self._children:
            return SourceEntry(path=normalized, size=None, mtime=None, is_dir=True)
        return None

    def _member(self, path: str) -> _Member:
        member = self._members.get(self._normalize(path))
        if member is None:
            raise SourceFileNotFound(f"{path!r} is not in this input")
        return member

    def _open_member(self, member: _Member) -> BinaryIO:
        raise NotImplementedError

    def read_range(self, path: str, offset: int, length: int) -> bytes:
        member = self._member(path)
        if offset < 0 or length < 0:
            raise ValueError("offset and length must be >= 0")
        with self._open_member(member) as handle:
            if offset:
                handle.seek(offset)
            return handle.read(min(length, max(0, member.size - offset)))

    def sha256(self, path: str) -> str | None:
        member = self._member(path)
        digest = hashlib.sha256()
        with self._open_member(member) as handle:
            while chunk := handle.read(_HASH_CHUNK):
                digest.update(chunk)
        return digest.hexdigest()

    def paths(self) -> list[str]:
        return sorted(self._members)


def input_sha256(path: Path) -> str:
    """SHA-256 of the input file itself (the evidence item as received)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class ZipArchiveSource(_TreeSource):
    def __init__(self, archive: Path, *, limits: ArchiveLimits | None = None) -> None:
        super().__init__()
        self.archive = archive
        self.method = f"zip archive {archive.name}"
        limits = limits or ArchiveLimits()
        try:
            self._zip = zipfile.ZipFile(archive)
        except (zipfile.BadZipFile, OSError) as exc:
            raise ArtifactCorrupted(f"{archive.name} is not a readable zip archive: {exc}") from exc
        self._infos: dict[str, zipfile.ZipInfo] = {}
        try:
            self._check_and_index(limits)
        except BaseException:
            self._zip.close()
            raise

    def _check_and_index(self, limits: ArchiveLimits) -> None:
        infos = self._zip.infolist()
        if len(infos) > limits.max_members:
            raise HostileInput(
                f"{self.archive.name} has {len(infos)} members, more than {limits.max_members}"
            )
        total = 0
        for info in infos:
            path = _safe_member_path(info.filename.rstrip("/") if info.is_dir() else info.filename)
            unix_mode = info.external_attr >> 16
            if stat_module.S_ISLNK(unix_mode):
                raise HostileInput(f"{self.archive.name}: member {info.filename!r} is a symlink; refused")
            if info.is_dir():
                continue
            if info.flag_bits & 0x1:
                raise HostileInput(f"{self.archive.name}: member {info.filename!r} is encrypted; refused")
            if info.file_size > limits.max_member_bytes:
                raise HostileInput(
                    f"{self.archive.name}: member {info.filename!r} is {info.file_size} bytes, "
                    f"over the {limits.max_member_bytes}-byte limit"
                )
            total += info.file_size
            if total > limits.max_total_bytes:
                raise HostileInput(
                    f"{self.archive.name} unpacks to more than {limits.max_total_bytes} bytes; refused as a zip bomb"
                )
            if info.file_size > limits.ratio_applies_above_bytes:
                ratio = info.file_size / max(info.compress_size, 1)
                if ratio > limits.max_compression_ratio:
                    raise HostileInput(
                        f"{self.archive.name}: member {info.filename!r} expands {ratio:.0f}-fold "
                        f"(limit {limits.max_compression_ratio:.0f}); refused as a zip bomb"
                    )
            mtime = datetime(*info.date_time, tzinfo=UTC) if info.date_time[0] >= 1980 else None
            self._index(_Member(path=path, size=info.file_size, mtime=mtime))
            self._infos[path] = info

    def _open_member(self, member: _Member) -> BinaryIO:
        try:
            return self._zip.open(self._infos[member.path])  # type: ignore[return-value]
        except (zipfile.BadZipFile, RuntimeError, OSError) as exc:
            raise ArtifactCorrupted(f"cannot read {member.path!r} from {self.archive.name}: {exc}") from exc

    def close(self) -> None:
        self._zip.close()


class TarArchiveSource(_TreeSource):
    def __init__(self, archive: Path, *, limits: ArchiveLimits | None = None) -> None:
        super().__init__()
        self.archive = archive
        self.method = f"tar archive {archive.name}"
        limits = limits or ArchiveLimits()
        try:
            self._tar = tarfile.open(archive, mode="r:*")
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise ArtifactCorrupted(f"{archive.name} is not a readable tar archive: {exc}") from exc
        self._infos: dict[str, tarfile.TarInfo] = {}
        try:
            self._check_and_index(limits)
        except BaseException:
            self._tar.close()
            raise

    def _check_and_index(self, limits: ArchiveLimits) -> None:
        compressed_bytes = max(self.archive.stat().st_size, 1)
        total = 0
        count = 0
        try:
            for info in self._tar:
                count += 1
                if count > limits.max_members:
                    raise HostileInput(f"{self.archive.name} has more than {limits.max_members} members")
                path = _safe_member_path(info.name)
                if info.issym() or info.islnk():
                    kind = "symlink" if info.issym() else "hardlink"
                    raise HostileInput(
                        f"{self.archive.name}: member {info.name!r} is a {kind} to {info.linkname!r}; refused"
                    )
                if info.isdir():
                    continue
                if not info.isfile():
                    raise HostileInput(
                        f"{self.archive.name}: member {info.name!r} is a device or fifo; refused"
                    )
                if info.size > limits.max_member_bytes:
                    raise HostileInput(
                        f"{self.archive.name}: member {info.name!r} is {info.size} bytes, "
                        f"over the {limits.max_member_bytes}-byte limit"
                    )
                total += info.size
                if total > limits.max_total_bytes:
                    raise HostileInput(
                        f"{self.archive.name} unpacks to more than {limits.max_total_bytes} bytes; refused as a bomb"
                    )
                if (
                    total > limits.ratio_applies_above_bytes
                    and total / compressed_bytes > limits.max_compression_ratio
                ):
                    raise HostileInput(
                        f"{self.archive.name} expands more than {limits.max_compression_ratio:.0f}-fold; "
                        "refused as a decompression bomb"
                    )
                mtime = datetime.fromtimestamp(info.mtime, UTC) if info.mtime else None
                self._index(_Member(path=path, size=info.size, mtime=mtime))
                self._infos[path] = info
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise ArtifactCorrupted(f"{self.archive.name} is damaged: {exc}") from exc

    def _open_member(self, member: _Member) -> BinaryIO:
        handle = self._tar.extractfile(self._infos[member.path])
        if handle is None:
            raise ArtifactCorrupted(f"{member.path!r} in {self.archive.name} has no data")
        return handle  # type: ignore[return-value]

    def close(self) -> None:
        self._tar.close()


class FolderSource(_TreeSource):
    """A folder on the station holding a phone tree; read in place. Any symlink in it is refused."""

    def __init__(self, root: Path, *, limits: ArchiveLimits | None = None) -> None:
        super().__init__()
        limits = limits or ArchiveLimits()
        self.root = root.resolve()
        self.method = f"folder {root.name}"
        if not self.root.is_dir():
            raise SourceFileNotFound(f"{root} is not a folder")
        count = 0
        stack = [self.root]
        while stack:
            directory = stack.pop()
            with os.scandir(directory) as entries:
                for entry in entries:
                    count += 1
                    if count > limits.max_members:
                        raise HostileInput(f"{root} holds more than {limits.max_members} entries")
                    relative = Path(entry.path).relative_to(self.root).as_posix()
                    if entry.is_symlink():
                        raise HostileInput(
                            f"{root}: {relative!r} is a symlink (to {os.readlink(entry.path)!r}); refused"
                        )
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(Path(entry.path))
                        self._children.setdefault("/" + relative, {})
                        parent = posixpath.dirname("/" + relative)
                        self._children.setdefault(parent, {})[entry.name] = True
                    elif entry.is_file(follow_symlinks=False):
                        info = entry.stat(follow_symlinks=False)
                        if info.st_size > limits.max_member_bytes:
                            raise HostileInput(
                                f"{root}: {relative!r} is {info.st_size} bytes, over the limit"
                            )
                        self._index(
                            _Member(
                                path="/" + relative,
                                size=info.st_size,
                                mtime=datetime.fromtimestamp(info.st_mtime, UTC),
                            )
                        )
                    else:
                        raise HostileInput(f"{root}: {relative!r} is not a regular file or folder; refused")

    def _open_member(self, member: _Member) -> BinaryIO:
        local = self.root / member.path.lstrip("/")
        try:
            fd = os.open(local, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError as exc:
            raise SourceFileNotFound(f"cannot open {member.path!r}: {exc}") from exc
        return os.fdopen(fd, "rb")

    def close(self) -> None:
        return None


def open_prior_extraction(path: Path, *, limits: ArchiveLimits | None = None) -> _TreeSource:
    """A folder, ``.zip``, ``.tar``, ``.tar.gz``/``.tgz`` (detected by content) as a checked Source."""
    if path.is_dir():
        return FolderSource(path, limits=limits)
    if not path.is_file():
        raise SourceFileNotFound(f"{path} does not exist")
    if zipfile.is_zipfile(path):
        return ZipArchiveSource(path, limits=limits)
    if tarfile.is_tarfile(path):
        return TarArchiveSource(path, limits=limits)
    raise ArtifactCorrupted(f"{path.name} is neither a folder, a zip archive nor a tar archive")

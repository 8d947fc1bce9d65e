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

import gzip
import hashlib
import lzma
import os
import posixpath
import stat as stat_module
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from extractor.errors import ArtifactCorrupted, HostileInput, SourceFileNotFound
from extractor.sources.base import SourceEntry
from extractor.sources.confined import ConfinedRoot

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
    # the whole archive: what it unpacks to against its size on disk (many small, well-compressed members)
    max_archive_ratio: float = 100.0
    archive_ratio_applies_above_bytes: int = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class _Member:
    path: str
    size: int
    mtime: datetime | None


# What a damaged archive raises while a member is read (bad CRC, a broken deflate/gzip/xz stream, a truncated
# tar): the index looked sound when the archive was opened, the bytes behind it are not.
_MEMBER_READ_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    tarfile.TarError,
    EOFError,
    gzip.BadGzipFile,
    lzma.LZMAError,
    NotImplementedError,  # zipfile: a compression method or version it does not know
    UnicodeDecodeError,  # zipfile: a local header whose name is flagged UTF-8 but is not
)


@contextmanager
def _unreadable_member(member: _Member) -> Iterator[None]:
    try:
        yield
    except _MEMBER_READ_ERRORS as exc:
        raise ArtifactCorrupted(f"{member.path} cannot be read from the archive (damaged): {exc}") from exc


def _zip_mtime(date_time: tuple[int, int, int, int, int, int]) -> datetime | None:
    """A member's DOS time stamp as UTC, or None when it is unset (before 1980) or not a real date (month 13)."""
    if date_time[0] < 1980:
        return None
    try:
        return datetime(*date_time, tzinfo=UTC)
    except ValueError:
        return None


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
        with _unreadable_member(member), self._open_member(member) as handle:
            if offset:
                handle.seek(offset)
            return handle.read(min(length, max(0, member.size - offset)))

    def sha256(self, path: str) -> str | None:
        member = self._member(path)
        digest = hashlib.sha256()
        with _unreadable_member(member), self._open_member(member) as handle:
            while chunk := handle.read(_HASH_CHUNK):
                digest.update(chunk)
        return digest.hexdigest()

    def paths(self) -> list[str]:
        return sorted(self._members)


def input_sha256(path: Path | BinaryIO) -> str:
    """SHA-256 of the input file itself (the evidence item as received)."""
    digest = hashlib.sha256()
    handle = path.open("rb") if isinstance(path, Path) else path
    with handle:
        while chunk := handle.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _archive_handle(archive: Path | tuple[ConfinedRoot, str]) -> tuple[BinaryIO, str]:
    """An open handle on the archive file and its name; a confined archive is opened without links."""
    if isinstance(archive, tuple):
        root, name = archive
        return root.open(name), name
    try:
        return open(archive, "rb"), archive.name
    except OSError as exc:
        raise SourceFileNotFound(f"{archive.name} cannot be opened: {exc.strerror}") from exc


def _check_whole_archive(name: str, total: int, compressed_bytes: int, limits: ArchiveLimits) -> None:
    if total > limits.archive_ratio_applies_above_bytes and total / max(compressed_bytes, 1) > (
        limits.max_archive_ratio
    ):
        raise HostileInput(
            f"{name} unpacks to {total} bytes, {total / max(compressed_bytes, 1):.0f} times its own size "
            f"(limit {limits.max_archive_ratio:.0f}); refused as a decompression bomb"
        )


class ZipArchiveSource(_TreeSource):
    def __init__(
        self, archive: Path | tuple[ConfinedRoot, str], *, limits: ArchiveLimits | None = None
    ) -> None:
        super().__init__()
        self._handle, self.name = _archive_handle(archive)
        self.method = f"zip archive {self.name}"
        limits = limits or ArchiveLimits()
        self._archive_bytes = os.fstat(self._handle.fileno()).st_size
        try:
            self._zip = zipfile.ZipFile(self._handle)
        # NotImplementedError: a zip version it does not know; UnicodeDecodeError: a name flagged UTF-8 that is not
        except (zipfile.BadZipFile, OSError, NotImplementedError, UnicodeDecodeError) as exc:
            self._handle.close()
            raise ArtifactCorrupted(f"{self.name} is not a readable zip archive: {exc}") from exc
        self._infos: dict[str, zipfile.ZipInfo] = {}
        try:
            self._check_and_index(limits)
        except BaseException:
            self.close()
            raise

    def _check_and_index(self, limits: ArchiveLimits) -> None:
        infos = self._zip.infolist()
        if len(infos) > limits.max_members:
            raise HostileInput(f"{self.name} has {len(infos)} members, more than {limits.max_members}")
        total = 0
        for info in infos:
            if not info.filename:  # ZipInfo.is_dir() fails on an empty name
                raise HostileInput(f"{self.name} has a member with an empty name; refused")
            path = _safe_member_path(info.filename.rstrip("/") if info.is_dir() else info.filename)
            unix_mode = info.external_attr >> 16
            if stat_module.S_ISLNK(unix_mode):
                raise HostileInput(f"{self.name}: member {info.filename!r} is a symlink; refused")
            if info.is_dir():
                continue
            if info.flag_bits & 0x1:
                raise HostileInput(f"{self.name}: member {info.filename!r} is encrypted; refused")
            if info.file_size > limits.max_member_bytes:
                raise HostileInput(
                    f"{self.name}: member {info.filename!r} is {info.file_size} bytes, "
                    f"over the {limits.max_member_bytes}-byte limit"
                )
            total += info.file_size
            if total > limits.max_total_bytes:
                raise HostileInput(
                    f"{self.name} unpacks to more than {limits.max_total_bytes} bytes; refused as a zip bomb"
                )
            if info.file_size > limits.ratio_applies_above_bytes:
                ratio = info.file_size / max(info.compress_size, 1)
                if ratio > limits.max_compression_ratio:
                    raise HostileInput(
                        f"{self.name}: member {info.filename!r} expands {ratio:.0f}-fold "
                        f"(limit {limits.max_compression_ratio:.0f}); refused as a zip bomb"
                    )
            _check_whole_archive(self.name, total, self._archive_bytes, limits)
            mtime = _zip_mtime(info.date_time)
            self._index(_Member(path=path, size=info.file_size, mtime=mtime))
            self._infos[path] = info

    def _open_member(self, member: _Member) -> BinaryIO:
        try:
            return self._zip.open(self._infos[member.path])  # type: ignore[return-value]
        except (zipfile.BadZipFile, RuntimeError, OSError) as exc:
            raise ArtifactCorrupted(f"cannot read {member.path!r} from {self.name}: {exc}") from exc

    def close(self) -> None:
        self._zip.close()
        self._handle.close()


class TarArchiveSource(_TreeSource):
    def __init__(
        self, archive: Path | tuple[ConfinedRoot, str], *, limits: ArchiveLimits | None = None
    ) -> None:
        super().__init__()
        self._handle, self.name = _archive_handle(archive)
        self.method = f"tar archive {self.name}"
        limits = limits or ArchiveLimits()
        self._archive_bytes = os.fstat(self._handle.fileno()).st_size
        try:
            self._tar = tarfile.open(fileobj=self._handle, mode="r:*")
        except (tarfile.TarError, OSError, EOFError) as exc:
            self._handle.close()
            raise ArtifactCorrupted(f"{self.name} is not a readable tar archive: {exc}") from exc
        self._infos: dict[str, tarfile.TarInfo] = {}
        try:
            self._check_and_index(limits)
        except BaseException:
            self.close()
            raise

    def _check_and_index(self, limits: ArchiveLimits) -> None:
        compressed_bytes = max(self._archive_bytes, 1)
        total = 0
        count = 0
        try:
            for info in self._tar:
                count += 1
                if count > limits.max_members:
                    raise HostileInput(f"{self.name} has more than {limits.max_members} members")
                path = _safe_member_path(info.name)
                if info.issym() or info.islnk():
                    kind = "symlink" if info.issym() else "hardlink"
                    raise HostileInput(
                        f"{self.name}: member {info.name!r} is a {kind} to {info.linkname!r}; refused"
                    )
                if info.isdir():
                    continue
                if not info.isfile():
                    raise HostileInput(f"{self.name}: member {info.name!r} is a device or fifo; refused")
                if info.size > limits.max_member_bytes:
                    raise HostileInput(
                        f"{self.name}: member {info.name!r} is {info.size} bytes, "
                        f"over the {limits.max_member_bytes}-byte limit"
                    )
                total += info.size
                if total > limits.max_total_bytes:
                    raise HostileInput(
                        f"{self.name} unpacks to more than {limits.max_total_bytes} bytes; refused as a bomb"
                    )
                if (
                    total > limits.ratio_applies_above_bytes
                    and total / compressed_bytes > limits.max_compression_ratio
                ):
                    raise HostileInput(
                        f"{self.name} expands more than {limits.max_compression_ratio:.0f}-fold; "
                        "refused as a decompression bomb"
                    )
                mtime = datetime.fromtimestamp(info.mtime, UTC) if info.mtime else None
                self._index(_Member(path=path, size=info.size, mtime=mtime))
                self._infos[path] = info
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise ArtifactCorrupted(f"{self.name} is damaged: {exc}") from exc

    def _open_member(self, member: _Member) -> BinaryIO:
        handle = self._tar.extractfile(self._infos[member.path])
        if handle is None:
            raise ArtifactCorrupted(f"{member.path!r} in {self.name} has no data")
        return handle  # type: ignore[return-value]

    def close(self) -> None:
        self._tar.close()
        self._handle.close()


class FolderSource(_TreeSource):
    """A folder on the station holding a phone tree; read in place, beneath it only.

    Every entry is read relative to the folder's handle without following links (``ConfinedRoot``): a symlink
    anywhere in it, a file with other hard links, a device or a fifo is refused when the folder is opened.
    """

    def __init__(self, root: Path | ConfinedRoot, *, limits: ArchiveLimits | None = None) -> None:
        super().__init__()
        limits = limits or ArchiveLimits()
        self._root = root if isinstance(root, ConfinedRoot) else ConfinedRoot.of(root)
        self.method = f"folder {self._root.name}"
        if not self._root.is_dir():
            raise SourceFileNotFound(f"{self._root.name} is not a folder")
        count = 0
        stack = [""]
        while stack:
            directory = stack.pop()
            for name, info in self._root.scan(directory):
                count += 1
                if count > limits.max_members:
                    raise HostileInput(f"{self._root.name} holds more than {limits.max_members} entries")
                relative = f"{directory}/{name}" if directory else name
                if stat_module.S_ISLNK(info.st_mode):
                    raise HostileInput(f"{self._root.name}: {relative!r} is a symlink; refused")
                if stat_module.S_ISDIR(info.st_mode):
                    stack.append(relative)
                    self._children.setdefault("/" + relative, {})
                    parent = posixpath.dirname("/" + relative)
                    self._children.setdefault(parent, {})[name] = True
                elif stat_module.S_ISREG(info.st_mode):
                    if info.st_nlink > 1:
                        raise HostileInput(
                            f"{self._root.name}: {relative!r} has {info.st_nlink} hard links (it may name a "
                            "file outside the input); refused"
                        )
                    if info.st_size > limits.max_member_bytes:
                        raise HostileInput(
                            f"{self._root.name}: {relative!r} is {info.st_size} bytes, over the limit"
                        )
                    self._index(
                        _Member(
                            path="/" + relative,
                            size=info.st_size,
                            mtime=datetime.fromtimestamp(info.st_mtime, UTC),
                        )
                    )
                else:
                    raise HostileInput(
                        f"{self._root.name}: {relative!r} is not a regular file or folder; refused"
                    )

    def _open_member(self, member: _Member) -> BinaryIO:
        return self._root.open(member.path.lstrip("/"))

    def close(self) -> None:
        return None


def open_prior_extraction(path: Path | ConfinedRoot, *, limits: ArchiveLimits | None = None) -> _TreeSource:
    """A folder, ``.zip``, ``.tar``, ``.tar.gz``/``.tgz`` (detected by content) as a checked Source.

    Given a ``ConfinedRoot`` (an input beneath the import folder), the input is reached without links."""
    root = path if isinstance(path, ConfinedRoot) else ConfinedRoot.of(path.parent).child(path.name)
    if root.is_dir():
        return FolderSource(root, limits=limits)
    parent = ConfinedRoot(root.anchor, root.inner.parent)
    name = root.inner.name
    if not parent.exists(name):
        raise SourceFileNotFound(f"{name} does not exist")
    with parent.open(name) as handle:
        is_zip = zipfile.is_zipfile(handle)
    if is_zip:
        return ZipArchiveSource((parent, name), limits=limits)
    with parent.open(name) as handle:
        try:
            with tarfile.open(fileobj=handle, mode="r:*"):
                is_tar = True
        except (tarfile.TarError, OSError, EOFError):
            is_tar = False
    if is_tar:
        return TarArchiveSource((parent, name), limits=limits)
    raise ArtifactCorrupted(f"{name} is neither a folder, a zip archive nor a tar archive")

"""Reading an offline input without ever leaving it: every open walks from a trusted anchor folder.

An offline input (an iOS backup, a prior extraction, an export) lies in the station's import folder. Checking
its path once, when the job is created, is not enough: the folder can be swapped for a symlink before the job
runs, a stored file inside it can be a symlink, and a hard link inside it can name a file anywhere on the same
disk. So every file is opened **relative to a directory handle**, one path component at a time, with
``O_NOFOLLOW`` (a symlink anywhere on the way is refused, not followed), and what is opened must be a regular
file with exactly one link. The anchor itself (the import folder, or the input folder when none is given) is
the only path that is trusted as it is.

Linux's ``openat2(RESOLVE_BENEATH)`` would do the walk in one call; Python does not expose it, so the walk is
done here with ``os.open(..., dir_fd=...)``, which every POSIX system has.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from extractor.errors import HostileInput, SourceFileNotFound

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


@dataclass(frozen=True, slots=True)
class FileFacts:
    """What ``os.fstat`` said about an opened member."""

    size: int
    mtime_s: float


def _parts(relative: str | PurePosixPath) -> list[str]:
    parts = [p for p in PurePosixPath(str(relative)).parts if p not in ("", ".", "/")]
    for part in parts:
        if part == ".." or "\x00" in part:
            raise HostileInput(f"refused path component {part!r}: inputs are read only beneath their folder")
    return parts


class ConfinedRoot:
    """A folder that is read only from below: ``anchor`` is trusted, ``inner`` (relative) is walked safely."""

    def __init__(self, anchor: Path, inner: str | PurePosixPath = "") -> None:
        self.anchor = Path(anchor)
        self.inner = PurePosixPath(*_parts(inner)) if _parts(inner) else PurePosixPath()
        self.name = self.inner.name or self.anchor.name

    @classmethod
    def of(cls, folder: Path) -> ConfinedRoot:
        """The folder itself as anchor: nothing in it is followed out of it."""
        return cls(Path(folder))

    def child(self, relative: str) -> ConfinedRoot:
        return ConfinedRoot(self.anchor, self.inner / PurePosixPath(*_parts(relative)))

    def __str__(self) -> str:
        return str(self.anchor / self.inner)

    # -- directories -------------------------------------------------------------------------------------

    def _open_dir(self, parts: list[str]) -> int:
        """A directory fd for anchor/inner/parts, refusing any symlink on the way."""
        try:
            fd = os.open(self.anchor, os.O_RDONLY | _DIRECTORY | _CLOEXEC)
        except OSError as exc:
            raise SourceFileNotFound(
                f"the input folder {self.anchor.name!r} cannot be opened: {exc.strerror}"
            ) from exc
        for part in [*self.inner.parts, *parts]:
            try:
                next_fd = os.open(part, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC, dir_fd=fd)
            except OSError as exc:
                refusal = self._refusal(part, exc, fd)
                os.close(fd)
                raise refusal from exc
            os.close(fd)
            fd = next_fd
        return fd

    @staticmethod
    def _refusal(part: str, exc: OSError, dir_fd: int) -> Exception:
        try:
            is_link = stat.S_ISLNK(os.stat(part, dir_fd=dir_fd, follow_symlinks=False).st_mode)
        except OSError:
            is_link = False
        if is_link or exc.errno in (errno.ELOOP, errno.EMLINK):
            return HostileInput(f"{part!r} is a symbolic link; inputs are read without following links")
        if exc.errno == errno.ENOTDIR:
            return HostileInput(f"{part!r} is not a folder (or is a link to one); refused")
        if exc.errno == errno.ENOENT:
            return SourceFileNotFound(f"{part!r} does not exist in the input")
        return SourceFileNotFound(f"{part!r} cannot be opened: {exc.strerror}")

    def is_dir(self) -> bool:
        try:
            os.close(self._open_dir([]))
        except (HostileInput, SourceFileNotFound):
            return False
        return True

    def exists(self, relative: str) -> bool:
        """Whether an entry of that name is there (a link counts: reading it is what refuses it)."""
        parts = _parts(relative)
        try:
            directory = self._open_dir(parts[:-1])
        except (HostileInput, SourceFileNotFound):
            return False
        try:
            os.stat(parts[-1], dir_fd=directory, follow_symlinks=False)
        except OSError:
            return False
        finally:
            os.close(directory)
        return True

    def scan(self, relative: str = "") -> Iterator[tuple[str, os.stat_result]]:
        """(name, lstat) of the entries of one folder, not following links."""
        fd = self._open_dir(_parts(relative))
        try:
            names = sorted(os.listdir(fd))
            for name in names:
                yield name, os.stat(name, dir_fd=fd, follow_symlinks=False)
        finally:
            os.close(fd)

    # -- files -------------------------------------------------------------------------------------------

    def open(self, relative: str) -> BinaryIO:
        """Open anchor/inner/relative for reading: a regular file with one link, reached without links."""
        parts = _parts(relative)
        if not parts:
            raise HostileInput("a file name is needed")
        directory = self._open_dir(parts[:-1])
        try:
            try:
                fd = os.open(parts[-1], os.O_RDONLY | _NOFOLLOW | _CLOEXEC, dir_fd=directory)
            except OSError as exc:
                raise self._refusal(parts[-1], exc, directory) from exc
        finally:
            os.close(directory)
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            os.close(fd)
            raise HostileInput(f"{relative!r} is not a regular file; refused")
        if info.st_nlink > 1:
            os.close(fd)
            raise HostileInput(
                f"{relative!r} has {info.st_nlink} hard links: it may name a file outside the input; refused "
                "(copy the input without hard links)"
            )
        return os.fdopen(fd, "rb")

    def stat(self, relative: str) -> FileFacts:
        with self.open(relative) as handle:
            info = os.fstat(handle.fileno())
        return FileFacts(size=info.st_size, mtime_s=info.st_mtime)

    def read_bytes(self, relative: str, *, max_bytes: int | None = None) -> bytes:
        with self.open(relative) as handle:
            data = handle.read(-1 if max_bytes is None else max_bytes + 1)
        if max_bytes is not None and len(data) > max_bytes:
            raise HostileInput(f"{relative!r} is larger than {max_bytes} bytes; refused")
        return data

    def copy_to(self, relative: str, destination: Path, *, chunk_bytes: int = 1024 * 1024) -> Path:
        """Copy a member out (e.g. a SQLite file, which SQLite would otherwise open by path)."""
        with self.open(relative) as source, open(destination, "wb") as target:
            while chunk := source.read(chunk_bytes):
                target.write(chunk)
        return destination


def confine_import(path: Path, imports_root: Path) -> ConfinedRoot:
    """The input at ``path`` as a confined root beneath the station's import folder, checked now (at open
    time), not only when the job was created."""
    root = Path(os.path.abspath(imports_root))
    absolute = Path(os.path.abspath(path))
    try:
        relative = absolute.relative_to(root)
    except ValueError:
        raise HostileInput("the input is not inside the station's import folder") from None
    return ConfinedRoot(root, PurePosixPath(relative.as_posix()))

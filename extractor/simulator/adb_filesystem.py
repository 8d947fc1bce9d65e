"""The simulated phone's file system: device paths (bytes) mapped onto a folder on the host.

The folder ``<phone root>/device`` is the phone's ``/``. Nothing outside it is ever served, whatever path a
client asks for. Optional hostile entries (names a malicious or broken phone might report) exist only
virtually, because a host file system cannot hold them (a 4,000-byte name, a name with ``/``).
"""

from __future__ import annotations

import os
import posixpath
import stat as stat_module
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from extractor.simulator.adb_protocol import FileStat

_PRIMARY_STORAGE = b"/storage/emulated/0"
HOSTILE_DIRECTORY = b"/storage/emulated/0/DCIM/Camera"
HOSTILE_NAMES: tuple[bytes, ...] = (
    b"../../etc/x.jpg",
    b"../../../../../../tmp/reisroute-escape.jpg",
    b"line\nbreak.jpg",
    b"A" * 4000 + b".jpg",
    b"bad-\xff\xfe-utf8.jpg",
    b"-rf.jpg",
    b"quote ' \" $(reboot) `id`.jpg",
)


@dataclass(frozen=True, slots=True)
class VirtualFile:
    content: bytes
    mtime_s: int


class PhoneFilesystem:
    """Resolves device paths inside ``device_root`` and serves optional virtual (hostile) entries."""

    def __init__(
        self,
        device_root: Path,
        *,
        hostile_names: bool = False,
        hostile_content: bytes = b"",
        symlinks_as_directories: bool = False,
    ) -> None:
        self.device_root = device_root.resolve()
        self.symlinks_as_directories = symlinks_as_directories
        self.virtual: dict[bytes, VirtualFile] = {}
        self.virtual_children: dict[bytes, list[bytes]] = {}
        if hostile_names:
            for name in HOSTILE_NAMES:
                self.add_virtual(HOSTILE_DIRECTORY, name, hostile_content or b"\xff\xd8\xff\xd9")

    def add_virtual(
        self, directory: bytes, name: bytes, content: bytes, mtime_s: int = 1_700_000_000
    ) -> None:
        """Add a file that exists only in listings and reads, under ``directory`` and its ``/sdcard`` alias."""
        directories = [directory.rstrip(b"/")]
        if directories[0].startswith(_PRIMARY_STORAGE):
            directories.append(b"/sdcard" + directories[0][len(_PRIMARY_STORAGE) :])
        for folder in directories:
            self.virtual[folder + b"/" + name] = VirtualFile(content, mtime_s)
            self.virtual_children.setdefault(folder, []).append(name)

    # --- path resolution ---------------------------------------------------------------------------------

    def host_path(self, device_path: bytes) -> Path | None:
        """The host path for a device path, or None when it does not exist or would leave the phone root."""
        if not device_path.startswith(b"/") or b"\x00" in device_path:
            return None
        normalised = posixpath.normpath(device_path.decode("utf-8", "surrogateescape"))
        relative = normalised.lstrip("/")
        candidate = self.device_root / relative if relative else self.device_root
        try:
            real = Path(os.path.realpath(candidate))
        except (OSError, ValueError):
            return None
        if real != self.device_root and self.device_root not in real.parents:
            return None
        if not os.path.lexists(candidate):
            return None
        return candidate

    def _stat_of(self, path: Path, *, follow: bool) -> FileStat | None:
        try:
            result = os.stat(path) if follow else os.lstat(path)
        except OSError:
            return None
        mode = result.st_mode
        if stat_module.S_ISLNK(mode) and self.symlinks_as_directories:
            mode = stat_module.S_IFDIR | 0o771
        return FileStat(mode=mode, size=result.st_size, mtime_s=int(result.st_mtime), ino=result.st_ino)

    def stat(self, device_path: bytes, *, follow: bool = True) -> FileStat | None:
        virtual = self.virtual.get(device_path)
        if virtual is not None:
            return FileStat(
                mode=stat_module.S_IFREG | 0o660, size=len(virtual.content), mtime_s=virtual.mtime_s
            )
        path = self.host_path(device_path)
        if path is None:
            return None
        return self._stat_of(path, follow=follow)

    def list_dir(self, device_path: bytes) -> Iterator[tuple[bytes, FileStat]] | None:
        """Entries of a directory (lstat, like adbd), or None when it is not a readable directory."""
        path = self.host_path(device_path)
        if path is None or not path.is_dir():
            return None
        return self._iterate(path, device_path.rstrip(b"/"))

    def _iterate(self, path: Path, device_dir: bytes) -> Iterator[tuple[bytes, FileStat]]:
        try:
            names = sorted(os.listdir(os.fsencode(path)))
        except OSError:
            names = []
        for name in names:
            entry_stat = self._stat_of(Path(os.fsdecode(os.path.join(os.fsencode(path), name))), follow=False)
            if entry_stat is not None:
                yield name, entry_stat
        for name in self.virtual_children.get(device_dir, []):
            virtual = self.virtual[device_dir + b"/" + name]
            yield (
                name,
                FileStat(
                    mode=stat_module.S_IFREG | 0o660, size=len(virtual.content), mtime_s=virtual.mtime_s
                ),
            )

    def open_read(self, device_path: bytes) -> Iterator[bytes] | None:
        """Chunks of a regular file's content, or None when it cannot be read."""
        virtual = self.virtual.get(device_path)
        if virtual is not None:
            return iter([virtual.content])
        path = self.host_path(device_path)
        if path is None or not path.is_file():
            return None
        return _read_chunks(path)

    def read_head(self, device_path: bytes, length: int) -> bytes | None:
        virtual = self.virtual.get(device_path)
        if virtual is not None:
            return virtual.content[:length]
        path = self.host_path(device_path)
        if path is None or not path.is_file():
            return None
        with open(path, "rb") as handle:
            return handle.read(length)


def _read_chunks(path: Path, chunk_size: int = 1024 * 1024) -> Iterator[bytes]:
    with open(path, "rb") as handle:
        while True:
            chunk = handle.read(chunk_size)
            if not chunk:
                return
            yield chunk

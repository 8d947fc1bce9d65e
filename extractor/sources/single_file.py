"""One exported file (Timeline.json, Records.json, a Semantic Location History month) as a Source.

The file appears as a single entry at ``/<name>`` (or at ``device_path`` when the officer says where it
came from, e.g. ``/Takeout/Location History/Records.json``), so the same artifact parsers and path globs
find it as they would in a phone tree. It is read in place, in ranges: a 1 GB export is never loaded
whole.
"""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from extractor.errors import HostileInput, SourceFileNotFound
from extractor.sources.base import SourceEntry
from extractor.sources.confined import ConfinedRoot

_HASH_CHUNK = 1024 * 1024


class SingleFileSource:
    """One export file, read without following links (beneath ``folder`` when given as a ConfinedRoot)."""

    def __init__(
        self, file: Path | ConfinedRoot, name: str | None = None, *, device_path: str | None = None
    ) -> None:
        if isinstance(file, ConfinedRoot):
            if not name:
                raise ValueError("a confined folder needs the file's name")
            self._root, self.name = file, name
        else:
            self._root, self.name = ConfinedRoot.of(file.parent), file.name
        info = self._root.stat(self.name)  # a symlink, a device or a hard-linked file is refused here
        shown = device_path or f"/{self.name}"
        self.path = posixpath.normpath("/" + shown.lstrip("/"))
        if ".." in self.path.split("/"):
            raise HostileInput(f"device path {device_path!r} climbs with '..'")
        self.size = info.size
        self.mtime = datetime.fromtimestamp(info.mtime_s, UTC)
        self.method = f"export file {self.name}"
        self._sha256: str | None = None

    def _entry(self) -> SourceEntry:
        return SourceEntry(path=self.path, size=self.size, mtime=self.mtime)

    def _directories(self) -> list[str]:
        parts = self.path.strip("/").split("/")[:-1]
        return ["/"] + ["/" + "/".join(parts[: index + 1]) for index in range(len(parts))]

    def list_dir(self, path: str) -> Iterator[SourceEntry]:
        directory = posixpath.normpath("/" + path.lstrip("/"))
        directories = self._directories()
        if directory not in directories:
            raise SourceFileNotFound(f"{path!r} is not a folder of this input")
        index = directories.index(directory)
        if index + 1 < len(directories):
            yield SourceEntry(path=directories[index + 1], size=None, mtime=None, is_dir=True)
        else:
            yield self._entry()

    def stat(self, path: str) -> SourceEntry | None:
        normalized = posixpath.normpath("/" + path.lstrip("/"))
        if normalized == self.path:
            return self._entry()
        if normalized in self._directories():
            return SourceEntry(path=normalized, size=None, mtime=None, is_dir=True)
        return None

    def _check(self, path: str) -> None:
        if posixpath.normpath("/" + path.lstrip("/")) != self.path:
            raise SourceFileNotFound(f"{path!r} is not this input (it holds only {self.path!r})")

    def read_range(self, path: str, offset: int, length: int) -> bytes:
        self._check(path)
        if offset < 0 or length < 0:
            raise ValueError("offset and length must be >= 0")
        with self._root.open(self.name) as handle:
            handle.seek(offset)
            return handle.read(length)

    def sha256(self, path: str) -> str | None:
        self._check(path)
        if self._sha256 is None:
            digest = hashlib.sha256()
            with self._root.open(self.name) as handle:
                while chunk := handle.read(_HASH_CHUNK):
                    digest.update(chunk)
            self._sha256 = digest.hexdigest()
        return self._sha256

    def close(self) -> None:
        return None

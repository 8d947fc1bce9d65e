"""Data at rest is readable by the service's own user only (issue 13, finding 7).

Before, the SQLite file with coordinates, serials and names was world-readable (0644). At startup the
process umask becomes 077 (every file it creates from then on — database, -wal/-shm, evidence blobs,
anchors — is 0600, every directory 0700), and what an older version left behind in the data directory is
tightened once. A database file outside the data directory (``REISROUTE_DATABASE_URL``) is tightened too.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sqlalchemy.engine import make_url

PRIVATE_UMASK = 0o077
DIRECTORY_MODE = 0o700
FILE_MODE = 0o600


def restrict_umask() -> int:
    """Set the process umask to 077; returns the previous one."""
    return os.umask(PRIVATE_UMASK)


def _tighten(path: Path, mode: int) -> None:
    info = path.lstat()
    if stat.S_ISLNK(info.st_mode) or info.st_uid != os.getuid():
        return  # never follow a link, never touch what another user owns
    if stat.S_IMODE(info.st_mode) & ~mode:
        path.chmod(stat.S_IMODE(info.st_mode) & mode)


def sqlite_files(database_url: str) -> list[Path]:
    """The SQLite database file and its -wal/-shm companions (empty for other backends or memory)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return []
    database = Path(url.database)
    return [database, database.with_name(database.name + "-wal"), database.with_name(database.name + "-shm")]


def secure_data_at_rest(data_dir: Path, database_url: str) -> None:
    """Create ``data_dir`` 0700; make every directory under it 0700 and every file 0600 (at most), and the
    same for the SQLite files wherever they are."""
    restrict_umask()
    data_dir.mkdir(parents=True, exist_ok=True, mode=DIRECTORY_MODE)
    _tighten(data_dir, DIRECTORY_MODE)
    for root, directories, files in os.walk(data_dir):
        for name in directories:
            _tighten(Path(root, name), DIRECTORY_MODE)
        for name in files:
            _tighten(Path(root, name), FILE_MODE)
    for path in sqlite_files(database_url):
        if path.exists():
            _tighten(path, FILE_MODE)

from __future__ import annotations

import hashlib
import os

import pytest

from extractor.errors import HostileInput, SourceFileNotFound
from extractor.sources.base import Source, walk
from extractor.sources.single_file import SingleFileSource


def test_single_export_file_is_one_entry_read_in_ranges(tmp_path):
    export = tmp_path / "Records.json"
    payload = b'{"locations": [' + b'{"latitudeE7": 1},' * 1000 + b"{}]}"
    export.write_bytes(payload)
    source = SingleFileSource(export, device_path="/Takeout/Location History/Records.json")
    assert isinstance(source, Source)
    assert [e.path for e in walk(source, "/")] == ["/Takeout/Location History/Records.json"]
    assert source.stat("/Takeout").is_dir
    assert source.read_range("/Takeout/Location History/Records.json", 2, 9) == payload[2:11]
    assert source.sha256("/Takeout/Location History/Records.json") == hashlib.sha256(payload).hexdigest()
    with pytest.raises(SourceFileNotFound):
        source.read_range("/etc/passwd", 0, 10)
    assert [e.path for e in walk(SingleFileSource(export), "/")] == ["/Records.json"]


def test_symlinked_or_missing_export_is_refused(tmp_path):
    os.symlink("/etc/passwd", tmp_path / "Timeline.json")
    with pytest.raises(HostileInput):
        SingleFileSource(tmp_path / "Timeline.json")
    with pytest.raises(SourceFileNotFound):
        SingleFileSource(tmp_path / "absent.json")

"""Every registered artifact parser, fed random bytes, its own fixture corrupted, and (for JSON exports)
its fixture with hostile values put anywhere in the document: the parser finishes with a parse summary or
raises the extractor's own error (``ExtractionError``: ``ArtifactCorrupted``, ``HostileInput`` …). Any other
exception is a parser bug that would surface as an opaque "ArtifactCorrupted: KeyError ..." in the job.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extractor.artifacts import default_registry
from extractor.artifacts.common.parse_summary import collect
from extractor.artifacts.spec import Artifact
from extractor.errors import ExtractionError
from tests.extractor.artifacts.fixtures import FIXTURES, ArtifactFixture, make_item

ARTIFACTS = default_registry().all()
JSON_ARTIFACTS = [a for a in ARTIFACTS if a.spec.id.startswith("common.google_")]


def fixture_for(artifact: Artifact) -> ArtifactFixture:
    if artifact.spec.id in FIXTURES:
        return FIXTURES[artifact.spec.id]()
    module = importlib.import_module(artifact.parse.__module__)
    item, ctx, expected = module.fixture_for_tests()
    return ArtifactFixture(item, ctx, expected)


def parses_or_refuses(artifact: Artifact, fixture: ArtifactFixture, data: bytes) -> None:
    item = replace(make_item(data, fixture.item.device_path), companions={})
    try:
        records, _summary = collect(artifact.parse(item, fixture.ctx))
    except ExtractionError:
        return
    for record in records:  # what a hostile file does yield is still a well-formed record
        assert record.time_utc.utcoffset() is not None
        assert -90 <= record.lat <= 90 and -180 <= record.lon <= 180, record


def corrupted(data: bytes) -> st.SearchStrategy[bytes]:
    """The fixture truncated, with bytes overwritten, or with bytes inserted."""
    size = max(len(data), 1)
    truncate = st.integers(0, size).map(lambda n: data[:n])
    overwrite = st.lists(
        st.tuples(st.integers(0, size - 1), st.integers(0, 255)), min_size=1, max_size=8
    ).map(lambda edits: _overwrite(data, edits))
    insert = st.tuples(st.integers(0, size), st.binary(min_size=1, max_size=64)).map(
        lambda edit: data[: edit[0]] + edit[1] + data[edit[0] :]
    )
    return st.one_of(truncate, overwrite, insert)


def _overwrite(data: bytes, edits: list[tuple[int, int]]) -> bytes:
    buffer = bytearray(data)
    for position, value in edits:
        if position < len(buffer):
            buffer[position] = value
    return bytes(buffer)


@pytest.mark.parametrize("artifact", ARTIFACTS, ids=[a.spec.id for a in ARTIFACTS])
@given(data=st.binary(max_size=4096))
def test_random_bytes(artifact: Artifact, data: bytes) -> None:
    parses_or_refuses(artifact, fixture_for(artifact), data)


@pytest.mark.parametrize("artifact", ARTIFACTS, ids=[a.spec.id for a in ARTIFACTS])
@given(data=st.data())
def test_corrupted_fixture(artifact: Artifact, data: st.DataObject) -> None:
    fixture = fixture_for(artifact)
    parses_or_refuses(artifact, fixture, data.draw(corrupted(fixture.item.read_bytes())))


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40)
    | st.sampled_from(["2024-03-01T10:00:00Z", "1709287200000", "geo:91.0,181.0", "-0", "NaN", "1e400", ""]),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


def _put(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    target = document
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return document


@pytest.mark.parametrize("artifact", JSON_ARTIFACTS, ids=[a.spec.id for a in JSON_ARTIFACTS])
@given(data=st.data())
def test_hostile_values_in_json_exports(artifact: Artifact, data: st.DataObject) -> None:
    """Structured but hostile: valid JSON of the export's shape with any value (or subtree) replaced by a
    wrong type, an out-of-range number, NaN, a huge integer or a hostile string."""
    fixture = fixture_for(artifact)
    document = json.loads(fixture.item.read_bytes())
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_paths(document)))
        document = _put(document, path, data.draw(JSON_VALUES))
    parses_or_refuses(artifact, fixture, json.dumps(document).encode())

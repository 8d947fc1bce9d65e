"""Every registered artifact has a fixture, and its parser yields exactly the expected records from it.

Where a fixture comes from, in order:
1. ``tests/extractor/artifacts/fixtures.py``: ``FIXTURES[artifact_id]`` → a builder returning ``ArtifactFixture``.
2. Otherwise the artifact's own module may define ``fixture_for_tests()`` returning
   ``(item: AcquiredItem, ctx: ParseContext, expected_records: int)`` — so an engineer adding an artifact
   (e.g. ``android.dumpsys_location``, ``android.mediastore``) ships its fixture with it.
An artifact with neither fails this test: no parser goes unverified.
"""

from __future__ import annotations

import importlib
import re

import pytest

from extractor.artifacts import default_registry
from extractor.artifacts.common.parse_summary import collect
from extractor.artifacts.spec import AcquiredItem, AcquireMode, Artifact, DataCategory, ParseContext
from tests.extractor.artifacts.fixtures import FIXTURES, ArtifactFixture

ARTIFACTS = default_registry().all()


def _fixture_for(artifact: Artifact) -> ArtifactFixture:
    if artifact.spec.id in FIXTURES:
        return FIXTURES[artifact.spec.id]()
    module = importlib.import_module(artifact.parse.__module__)
    builder = getattr(module, "fixture_for_tests", None)
    if builder is None:
        pytest.fail(
            f"artifact {artifact.spec.id!r} has no fixture: add a builder to FIXTURES in "
            f"tests/extractor/artifacts/fixtures.py or define fixture_for_tests() in {module.__name__}"
        )
    item, ctx, expected = builder()
    assert isinstance(item, AcquiredItem) and isinstance(ctx, ParseContext) and isinstance(expected, int)
    return ArtifactFixture(item, ctx, expected)


def test_the_registry_is_not_empty() -> None:
    ids = {a.spec.id for a in ARTIFACTS}
    assert {"android.dcim_exif", "ios.afc_photos_exif", "ios.photos_sqlite", "common.google_timeline"} <= ids


@pytest.mark.parametrize("artifact", ARTIFACTS, ids=[a.spec.id for a in ARTIFACTS])
def test_artifact_has_a_fixture_and_parses_it(artifact: Artifact) -> None:
    fixture = _fixture_for(artifact)
    records, _ = collect(artifact.parse(fixture.item, fixture.ctx))
    assert len(records) == fixture.expected_records, f"{artifact.spec.id}: {len(records)} records"
    if artifact.spec.category is DataCategory.DEVICE_HISTORY:
        # no location records by design: the fixture must give at least one device-history signal instead
        module = importlib.import_module(artifact.parse.__module__)
        assert fixture.expected_records == 0
        assert module.device_history_signals(fixture.item, fixture.ctx), f"{artifact.spec.id}: no signal"
    else:
        assert fixture.expected_records > 0, "a fixture must exercise the parser with at least one record"
    for record in records:
        assert record.artifact_id == artifact.spec.id
        assert record.source_path == fixture.item.device_path
        assert record.source_sha256 == fixture.item.sha256
        assert record.row_ref
        assert record.time_utc.utcoffset() is not None


@pytest.mark.parametrize("artifact", ARTIFACTS, ids=[a.spec.id for a in ARTIFACTS])
def test_spec_is_complete(artifact: Artifact) -> None:
    spec = artifact.spec
    assert re.fullmatch(r"(android|ios|common)\.[a-z0-9_]+", spec.id)
    assert spec.title and spec.references and spec.verified_on
    assert spec.path_globs or spec.commands
    if spec.mode is AcquireMode.HEAD:
        assert spec.head_bytes > 0

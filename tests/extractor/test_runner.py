"""The generic runner with AdbSource (real adb-shell) against the simulated phone and the test sink."""

from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from extractor.artifacts import default_registry
from extractor.artifacts.android import dumpsys_location, mediastore
from extractor.artifacts.spec import (
    AcquiredItem,
    AcquireMode,
    Artifact,
    ArtifactSpec,
    DataCategory,
    ParseContext,
    Platform,
)
from extractor.errors import DeviceDisconnected
from extractor.records import LocationRecord, TimeSource
from extractor.runner import glob_match, glob_root, printable_device_path, run_acquisition, unsafe_name_reason
from extractor.simulator.adb_server import RunningSimulator, SimulatorConfig
from extractor.simulator.phone_builder import PhoneManifest
from extractor.sources.android import AdbSource, android_parse_context
from tests.extractor.conftest import CLOCK_OFFSET_S
from tests.extractor.job_sink import MemoryJobSink

# --- test-only artifacts: heads of the camera photos, and the Timeline file as a whole -----------------


def _no_records(item: AcquiredItem, ctx: ParseContext) -> Iterator[LocationRecord]:
    assert item.read_bytes()[:2] == b"\xff\xd8" or item.device_path.endswith(".json")
    return iter(())


PHOTO_HEADS = Artifact(
    ArtifactSpec(
        id="test.photo_heads",
        title="camera photo heads (test only)",
        platform=Platform.ANDROID,
        category=DataCategory.PHOTO_METADATA,
        path_globs=("/sdcard/DCIM/**/*.jpg",),
        mode=AcquireMode.HEAD,
        head_bytes=512,
    ),
    _no_records,
)
TIMELINE_FILE = Artifact(
    ArtifactSpec(
        id="test.timeline_file",
        title="Timeline.json bytes (test only)",
        platform=Platform.ANDROID,
        category=DataCategory.LOCATION,
        path_globs=("**/Timeline.json",),
        mode=AcquireMode.WHOLE,
    ),
    _no_records,
)
OWN_ARTIFACTS = [
    PHOTO_HEADS,
    TIMELINE_FILE,
    Artifact(dumpsys_location.SPEC, dumpsys_location.parse),
    Artifact(mediastore.SPEC, mediastore.parse),
]
HAVE_DCIM_EXIF = importlib.util.find_spec("extractor.artifacts.android.dcim_exif") is not None


def _run(
    simulator: RunningSimulator,
    key_dir: Path,
    sink: MemoryJobSink,
    artifacts: list[Artifact],
    *,
    window: tuple[datetime | None, datetime | None] = (None, None),
) -> list:
    with AdbSource.connect_tcp(
        "127.0.0.1", simulator.port, key_dir=key_dir, timeout_s=3, read_timeout_s=5
    ) as source:
        clock = source.read_clock()
        sink.record_clock(clock, phase="start")
        need_anchor = any(a.spec.id == dumpsys_location.SPEC.id for a in artifacts)
        context = android_parse_context(source, elapsed_anchor=need_anchor)
        return run_acquisition(
            source,
            artifacts=artifacts,
            sink=sink,
            window_start=window[0],
            window_end=window[1],
            parse_context=context,
            clock_offset_s=clock.offset_s,
        )


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- pure helpers ---------------------------------------------------------------------------------------


def test_globs_and_names() -> None:
    assert glob_match("/sdcard/DCIM/**/*.jpg", "/sdcard/DCIM/a.jpg")
    assert glob_match("/sdcard/DCIM/**/*.jpg", "/sdcard/DCIM/Camera/2024/a.jpg")
    assert not glob_match("/sdcard/DCIM/**/*.jpg", "/sdcard/Documents/a.jpg")
    assert not glob_match("/sdcard/DCIM/**/*.jpg", "/sdcard/DCIM/a.JPG")
    assert glob_match("**/Timeline.json", "/sdcard/Download/Timeline.json")
    assert glob_root("/sdcard/DCIM/**/*.jpg") == "/sdcard/DCIM" and glob_root("**/x") == "/"
    assert unsafe_name_reason("/sdcard/DCIM/Camera/../../etc/x.jpg") is not None
    assert unsafe_name_reason("/sdcard/DCIM/" + "A" * 5000) is not None
    assert unsafe_name_reason("/sdcard/DCIM/line\nbreak.jpg") is None
    assert printable_device_path("/a/line\nbreak.jpg") == "/a/line\\nbreak.jpg"
    assert printable_device_path(b"/a/\xff.jpg".decode("utf-8", "surrogateescape")) == "/a/\\xff.jpg"
    assert printable_device_path("/a/back\\slash") == "/a/back\\\\slash"


# --- whole flow -----------------------------------------------------------------------------------------


@pytest.mark.device
def test_whole_flow_hashes_times_and_positions(
    simulator: RunningSimulator, small_phone: PhoneManifest, station_key_dir: Path, tmp_path: Path
) -> None:
    sink = MemoryJobSink(tmp_path)
    outcomes = {o.artifact_id: o for o in _run(simulator, station_key_dir, sink, OWN_ARTIFACTS)}
    camera = [p for p in small_phone.photos if "/DCIM/" in p.device_path]
    assert (
        outcomes["test.photo_heads"].items == len(camera) and outcomes["test.photo_heads"].status == "empty"
    )
    assert outcomes["test.timeline_file"].items == 1
    assert (
        outcomes["android.dumpsys_location"].records == 3
        and outcomes["android.dumpsys_location"].status == "found"
    )
    assert outcomes["android.mediastore_images"].records == small_phone.mediastore_rows_with_location
    custody = sink.custody_by_path()
    for photo in camera:
        item = custody[photo.device_path.replace("/storage/emulated/0", "/sdcard")]
        host = small_phone.host_path(photo.device_path)
        assert item.sha256_whole_file == _sha256(host)
        assert item.bytes_acquired == min(512, host.stat().st_size) and item.size == host.stat().st_size
        assert item.sha256_acquired == hashlib.sha256(host.read_bytes()[:512]).hexdigest()
    timeline = custody["/sdcard/Download/Timeline.json"]
    assert (
        timeline.sha256_acquired
        == timeline.sha256_whole_file
        == _sha256(small_phone.host_path(small_phone.timeline_device_path or ""))
    )
    fixes = [r for r in sink.records() if r.artifact_id == dumpsys_location.SPEC.id]
    for record, truth in zip(
        sorted(fixes, key=lambda r: r.time_utc), small_phone.last_known_fixes, strict=True
    ):
        assert abs((record.time_utc - truth.time_utc).total_seconds()) <= 2.0
        assert (record.lat, record.lon) == (round(truth.lat, 6), round(truth.lon, 6))
    assert not list((tmp_path / "staging").iterdir())
    assert sink.progress[-1][0] == sink.progress[-1][1] == len(sink.items)
    assert all(r.time_utc.tzinfo is UTC or r.time_utc.utcoffset() == timedelta(0) for r in sink.records())


@pytest.mark.device
@pytest.mark.skipif(not HAVE_DCIM_EXIF, reason="extractor/artifacts/android/dcim_exif.py not in the tree yet")
def test_photos_end_to_end_with_the_exif_artifact(
    fast_clock_phone: PhoneManifest,
    start_simulator: Callable[..., RunningSimulator],
    station_key_dir: Path,
    tmp_path: Path,
) -> None:
    simulator = start_simulator(fast_clock_phone)
    sink = MemoryJobSink(tmp_path)
    exif = default_registry().get("android.dcim_exif")
    _run(simulator, station_key_dir, sink, [exif])
    truths = {p.device_path.replace("/storage/emulated/0", "/sdcard"): p for p in fast_clock_phone.photos}
    photo_records = [r for r in sink.records() if r.artifact_id == "android.dcim_exif"]
    assert len(photo_records) == sum(1 for p in fast_clock_phone.photos if p.lat is not None)
    for record in photo_records:
        truth = truths[record.source_path]
        assert (round(record.lat, 6), round(record.lon, 6)) == (truth.lat, truth.lon)
        assert (record.observation.value == "own") == truth.own
        if truth.has_gps_time:  # GNSS time: never shifted by the clock offset
            assert record.time_source is TimeSource.GNSS and record.time_utc == truth.time_utc
        elif truth.has_offset_time:  # device clock + offset: corrected back to true time
            assert record.time_source is TimeSource.DEVICE_CLOCK
            assert abs((record.time_utc - truth.time_utc).total_seconds()) <= 2.0


# --- misbehaving phones ---------------------------------------------------------------------------------


@pytest.mark.device
def test_disconnect_mid_file_then_resume_equals_an_uninterrupted_run(
    small_phone: PhoneManifest,
    start_simulator: Callable[..., RunningSimulator],
    station_key_dir: Path,
    tmp_path: Path,
) -> None:
    reference = MemoryJobSink(tmp_path / "reference")
    _run(start_simulator(small_phone), station_key_dir, reference, OWN_ARTIFACTS)
    timeline_bytes = small_phone.host_path(small_phone.timeline_device_path or "").stat().st_size
    # Drop the first connection in the middle of Timeline.json (photo heads are ~60 x 512 bytes before it).
    flaky = start_simulator(small_phone, SimulatorConfig(drop_after_bytes=60_000 + timeline_bytes // 2))
    assert timeline_bytes > 40_000
    sink = MemoryJobSink(tmp_path / "resumed")
    with pytest.raises(DeviceDisconnected):
        _run(flaky, station_key_dir, sink, OWN_ARTIFACTS)
    committed_first = set(sink.items)
    assert 0 < len(committed_first) < len(reference.items)
    assert not any(i.custody.artifact_id == "test.timeline_file" for i in sink.items.values())
    assert [r.connection for r in flaky.requested("sync:RECV")] == [1]
    sink.commits_this_run = 0
    _run(flaky, station_key_dir, sink, OWN_ARTIFACTS)  # second connection behaves
    assert set(sink.items) == set(reference.items)
    assert sink.commits_this_run == len(reference.items) - len(committed_first)
    for key, item in reference.items.items():
        assert sink.items[key].custody.sha256_acquired == item.custody.sha256_acquired
        assert sink.items[key].custody.sha256_whole_file == item.custody.sha256_whole_file
    heads_requested_again = [
        r for r in flaky.requests if r.connection > 1 and r.service == "exec" and "head -c" in r.argument
    ]
    resumed_paths = " ".join(r.argument for r in heads_requested_again)
    for key in committed_first:
        path = sink.items[key].custody.device_path
        if sink.items[key].custody.artifact_id == "test.photo_heads":
            assert f"'{path}'" not in resumed_paths  # finished items are not read twice


@pytest.mark.device
def test_hostile_names_never_escape_the_staging_dir(
    small_phone: PhoneManifest,
    start_simulator: Callable[..., RunningSimulator],
    station_key_dir: Path,
    tmp_path: Path,
) -> None:
    simulator = start_simulator(small_phone, SimulatorConfig(hostile_names=True))
    work = tmp_path / "job"
    sink = MemoryJobSink(work)
    before = {p for p in tmp_path.rglob("*")}
    outcomes = _run(simulator, station_key_dir, sink, [PHOTO_HEADS])
    after = {p for p in tmp_path.rglob("*")}
    assert {p for p in after - before} <= {work, work / "staging"}
    assert not Path("/tmp/reisroute-escape.jpg").exists() and not (tmp_path / "etc").exists()
    refused = [m for m in sink.messages if "refused" in m]
    assert any("../../etc/x.jpg" in m for m in refused)
    assert any("../../../../../../tmp/reisroute-escape.jpg" in m for m in refused)
    paths = set(sink.custody_by_path())
    assert "/sdcard/DCIM/Camera/line\\nbreak.jpg" in paths
    assert "/sdcard/DCIM/Camera/bad-\\xff\\xfe-utf8.jpg" in paths
    assert all("\n" not in p and "\udcff" not in p for p in paths)
    assert all(p.encode("utf-8") for p in paths)
    assert outcomes[0].status == "empty" and "refused" in (outcomes[0].error or "")
    assert not any(".." in r.argument for r in simulator.requested("exec"))


@pytest.mark.device
@pytest.mark.timeout(120)
@pytest.mark.parametrize("lying", [False, True], ids=["honest-symlink", "symlink-reported-as-dir"])
def test_symlink_loop_terminates(
    lying: bool,
    fast_clock_phone: PhoneManifest,
    start_simulator: Callable[..., RunningSimulator],
    station_key_dir: Path,
    tmp_path: Path,
) -> None:
    simulator = start_simulator(fast_clock_phone, SimulatorConfig(symlinks_as_directories=lying))
    sink = MemoryJobSink(tmp_path)
    (outcome,) = _run(simulator, station_key_dir, sink, [PHOTO_HEADS])
    camera = sum(1 for p in fast_clock_phone.photos if "/DCIM/" in p.device_path)
    if lying:
        assert camera < outcome.items <= camera * 25  # bounded by the walk depth
    else:
        assert outcome.items == camera
        assert not any("/loop/" in r.argument for r in simulator.requests)


@pytest.mark.device
def test_wrong_device_clock_corrects_device_clock_times_only(
    fast_clock_phone: PhoneManifest,
    start_simulator: Callable[..., RunningSimulator],
    station_key_dir: Path,
    tmp_path: Path,
) -> None:
    simulator = start_simulator(fast_clock_phone)
    sink = MemoryJobSink(tmp_path)
    _run(simulator, station_key_dir, sink, OWN_ARTIFACTS[2:])
    (_, clock) = sink.clocks[0]
    assert abs(clock.offset_s - CLOCK_OFFSET_S) <= clock.uncertainty_s
    truths = {p.device_path: p for p in fast_clock_phone.photos}
    media = [r for r in sink.records() if r.artifact_id == mediastore.SPEC.id]
    assert media
    for record in media:
        truth = truths[(record.note or "").split("MediaStore row for ", 1)[1].split(";", 1)[0]]
        if truth.own:
            assert abs((record.time_utc - truth.time_utc).total_seconds()) <= 2.0
    fixes = sorted(
        (r for r in sink.records() if r.artifact_id == dumpsys_location.SPEC.id), key=lambda r: r.time_utc
    )
    for record, truth in zip(fixes, fast_clock_phone.last_known_fixes, strict=True):
        assert abs((record.time_utc - truth.time_utc).total_seconds()) <= 2.0
    gnss = LocationRecord(
        time_utc=datetime(2024, 5, 1, tzinfo=UTC),
        lat=1,
        lon=1,
        accuracy_m=None,
        fix_kind="gnss",  # type: ignore[arg-type]
        time_source=TimeSource.GNSS,
        artifact_id="x",
        source_path="x",
        source_sha256="x",
        row_ref="x",
    )
    assert gnss.with_clock_offset(CLOCK_OFFSET_S) is gnss


@pytest.mark.device
def test_out_of_scope_categories_are_never_requested(
    small_phone: PhoneManifest,
    start_simulator: Callable[..., RunningSimulator],
    station_key_dir: Path,
    tmp_path: Path,
) -> None:
    simulator = start_simulator(small_phone)
    in_scope = [
        a
        for a in default_registry().in_scope({DataCategory.PHOTO_METADATA}, Platform.ANDROID)
        if a.spec.mode is not AcquireMode.HEAD or HAVE_DCIM_EXIF
    ]
    assert in_scope and all(a.spec.category is DataCategory.PHOTO_METADATA for a in in_scope)
    sink = MemoryJobSink(tmp_path)
    _run(simulator, station_key_dir, sink, in_scope)
    log = [(r.service, r.argument) for r in simulator.requests]
    assert not any("dumpsys location" in argument for _, argument in log)
    assert not any("Timeline.json" in argument for _, argument in log)
    # the user's own Documents folder is never listed (WhatsApp Documents is a messaging folder: photos in scope)
    private = ("/sdcard/Documents", "/storage/emulated/0/Documents", "asylum_story")
    assert not any(word in argument for _, argument in log for word in private)
    assert not any(service == "sync:RECV" for service, _ in log)  # photos: metadata bytes only, never pulled
    assert any("content query" in argument for _, argument in log)


@pytest.mark.device
def test_window_drops_and_counts_records_outside_it(
    simulator: RunningSimulator, small_phone: PhoneManifest, station_key_dir: Path, tmp_path: Path
) -> None:
    start = small_phone.stays[5].start_utc
    sink = MemoryJobSink(tmp_path)
    outcomes = _run(simulator, station_key_dir, sink, OWN_ARTIFACTS[3:], window=(start, None))
    (outcome,) = outcomes
    assert outcome.dropped_outside_window > 0 and outcome.records > 0
    assert outcome.records + outcome.dropped_outside_window == small_phone.mediastore_rows_with_location
    assert all(r.time_utc >= start for r in sink.records())


@pytest.mark.device
def test_cancel_stops_between_items_and_a_later_run_completes(
    simulator: RunningSimulator, station_key_dir: Path, tmp_path: Path
) -> None:
    sink = MemoryJobSink(tmp_path, cancel_after_items=5)
    outcomes = _run(simulator, station_key_dir, sink, OWN_ARTIFACTS)
    assert len(sink.items) == 5 and all(
        o.status == "failed" and "cancelled" in (o.error or "") for o in outcomes
    )
    sink.cancel_after_items = None
    outcomes = _run(simulator, station_key_dir, sink, OWN_ARTIFACTS)
    assert all(o.status in ("found", "empty") for o in outcomes)


@pytest.mark.device
def test_a_10_gb_file_is_refused_without_reading_it(
    tmp_path_factory: pytest.TempPathFactory,
    start_simulator: Callable[..., RunningSimulator],
    station_key_dir: Path,
    tmp_path: Path,
) -> None:
    """A sparse 10 GB 'Timeline.json' on the phone: refused by size, nothing transferred, the run carries on."""
    from extractor.simulator.phone_builder import build_phone

    phone = build_phone(tmp_path_factory.mktemp("huge-file-phone"), photos=3, timeline_points=10, seed=2)
    huge = phone.host_path("/sdcard/Download/Timeline.json")
    huge.parent.mkdir(parents=True, exist_ok=True)
    with open(huge, "wb") as handle:
        handle.truncate(10 * 1024**3)
    simulator = start_simulator(phone)
    sink = MemoryJobSink(tmp_path)
    outcomes = _run(simulator, station_key_dir, sink, [TIMELINE_FILE, PHOTO_HEADS])
    by_id = {o.artifact_id: o for o in outcomes}
    assert "/sdcard/Download/Timeline.json" not in sink.custody_by_path()
    assert by_id["test.photo_heads"].items == 3
    refused_logs = [line for line in sink.messages if "Timeline.json" in line and "refused" in line.lower()]
    assert refused_logs, sink.messages
    staged = sum(p.stat().st_size for p in sink.staging_dir().rglob("*") if p.is_file())
    assert staged < 10 * 1024**2
    assert simulator.bytes_sent_total < 50 * 1024**2

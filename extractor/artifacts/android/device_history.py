"""Android device history: when the system first started on an empty data partition and when the shared storage
was set up — signs of a new, reset or second-hand phone (LEGAL 16). Read-only shell commands any ADB-authorised
logical acquisition can run; no root, no exploit.

Commands and what is read from them:

- ``stat -c '%W %Y %n' /sdcard/Android /sdcard/DCIM``: birth (``%W``) and last-change (``%Y``) times of two
  folders of the shared storage, created when the user's storage is set up (first start, or after a reset).
  Android's toybox ``stat`` prints ``?`` for ``%W`` (it does not know birth times); GNU stat prints ``0`` when
  the file system does not say. Then only the last-change time is left: it is *no earlier* than the set-up,
  and on most phones ``Android/`` changes only when its ``data``/``media``/``obb`` folders are made, i.e. at
  set-up — a weak sign (confidence low).
- ``dumpsys package com.google.android.setupwizard``: ``firstInstallTime=YYYY-MM-DD HH:MM:SS`` (in the device's
  zone; Android 12+ prints it per user under ``User 0:``, older versions in the package block) is when the
  package manager first registered the setup wizard — on a system app, the first start after the data
  partition was empty: a new phone or a factory reset. Before the clock is set a phone may stamp
  2009-01-01 or 1970: times before ``PLAUSIBLE_FROM`` are ignored. ``lastUpdateTime`` is not used: for a
  system app it is the system image's build stamp, after a Play update the update time, neither a set-up.
  Phones without Google services have no such package: the output has no ``Package [...]`` block and gives
  no signal.

No location records come from this artifact; ``parse`` only counts what it could read. The signals are derived
after the job from the stored outputs by ``device_history_signals`` (``casework/device_signals.py``).
"""

from __future__ import annotations

import re
from collections.abc import Generator
from datetime import UTC, datetime, timedelta

from extractor.artifacts.common.parse_summary import ParseSummary, SummaryCounter
from extractor.artifacts.spec import (
    AcquiredItem,
    AcquireMode,
    ArtifactSpec,
    DataCategory,
    ParseContext,
    Platform,
)
from extractor.history_signals import Confidence, DeviceHistorySignal, SignalKind, format_day
from extractor.records import LocationRecord
from extractor.timestamps import TimestampError, from_local_date_time_in_zone, from_unix_s

STORAGE_FOLDERS = ("/sdcard/Android", "/sdcard/DCIM")
STAT_COMMAND = "stat -c '%W %Y %n' " + " ".join(STORAGE_FOLDERS)
SETUP_WIZARD_PACKAGE = "com.google.android.setupwizard"
SETUP_WIZARD_COMMAND = f"dumpsys package {SETUP_WIZARD_PACKAGE}"
PLAUSIBLE_FROM = datetime(2012, 1, 1, tzinfo=UTC)  # earlier stamps are a clock that was not yet set

SPEC = ArtifactSpec(
    id="android.device_history",
    title="First start and storage set-up of the phone (stat, dumpsys package)",
    platform=Platform.ANDROID,
    category=DataCategory.DEVICE_HISTORY,
    commands=(STAT_COMMAND, SETUP_WIZARD_COMMAND),
    mode=AcquireMode.COMMAND,
    max_file_bytes=4 * 1024 * 1024,
    formats=("toybox/GNU stat -c '%W %Y %n' lines", "dumpsys package text (Android 8-14)"),
    references=(
        "toybox toys/other/stat.c (unknown format escapes print '?'); GNU coreutils stat %W (0 when unknown)",
        "AOSP PackageManagerService dumpPackageLPr / PackageSetting user state: firstInstallTime, "
        "SimpleDateFormat yyyy-MM-dd HH:mm:ss in the default zone",
    ),
    verified_on=(
        "extractor/simulator/phone_builder.py phone (toybox-style stat, Android 14 dumpsys layout): one "
        "storage and one first-boot signal; with reset_at_stay the same mid-journey; "
        "tests/extractor/artifacts/test_device_history.py",
    ),
)

_STAT_LINE = re.compile(r"^(?P<birth>\S+) (?P<mtime>-?\d+) (?P<path>/\S.*)$")
_PACKAGE_HEADER = re.compile(r"^\s*Package \[(?P<name>[^\]]+)\]")
_SECTION_HEADER = re.compile(r"^\S")  # "Packages:", "Hidden system packages:", ... start at column 0
_FIRST_INSTALL = re.compile(r"\bfirstInstallTime=(?P<value>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})")


def _command_of(item: AcquiredItem) -> str:
    return item.device_path.removeprefix("cmd:")


def _stat_times(text: str) -> list[tuple[str, int | None, int]]:
    """(path, birth time or None, last-change time) per well-formed line; error lines are skipped."""
    rows: list[tuple[str, int | None, int]] = []
    for line in text.splitlines():
        match = _STAT_LINE.match(line.strip())
        if not match:
            continue
        birth_text = match.group("birth")
        birth = int(birth_text) if birth_text.isdigit() and int(birth_text) > 0 else None
        rows.append((match.group("path"), birth, int(match.group("mtime"))))
    return rows


def _first_install_texts(text: str, package: str) -> list[str]:
    """``firstInstallTime`` values inside the blocks of ``package`` (package level and per user)."""
    values: list[str] = []
    inside = False
    for line in text.splitlines():
        header = _PACKAGE_HEADER.match(line)
        if header:
            inside = header.group("name") == package
            continue
        if _SECTION_HEADER.match(line):
            inside = False
            continue
        if inside:
            values.extend(m.group("value") for m in _FIRST_INSTALL.finditer(line))
    return values


def _corrected(moment: datetime, clock_offset_s: float) -> datetime:
    return moment - timedelta(seconds=clock_offset_s)


def device_history_signals(
    item: AcquiredItem, ctx: ParseContext, *, clock_offset_s: float = 0.0
) -> list[DeviceHistorySignal]:
    """Signals from one stored command output of this artifact (pure; unknown outputs give none).

    ``clock_offset_s`` is the job's measured device-minus-host offset: every time here is a device-clock time
    and is corrected by it. Times before ``PLAUSIBLE_FROM`` are a clock not yet set and are ignored.
    """
    command = _command_of(item)
    text = item.read_bytes().decode("utf-8", "replace")
    if command.startswith("stat "):
        return _storage_signals(text, item, clock_offset_s)
    if command.startswith("dumpsys package "):
        package = command.split()[-1]
        return _first_boot_signals(text, package, item, ctx, clock_offset_s)
    return []


def _storage_signals(text: str, item: AcquiredItem, clock_offset_s: float) -> list[DeviceHistorySignal]:
    rows = [
        (path, birth, mtime)
        for path, birth, mtime in _stat_times(text)
        if from_unix_s(birth if birth is not None else mtime) >= PLAUSIBLE_FROM
    ]
    births = [(birth, path) for path, birth, _ in rows if birth is not None]
    if births:
        seconds, path = min(births)
        moment = _corrected(from_unix_s(seconds), clock_offset_s)
        return [
            DeviceHistorySignal(
                kind=SignalKind.STORAGE_INITIALISED,
                time_utc=moment,
                evidence=f"{_command_of(item)}: birth time (%W) of {path}",
                confidence=Confidence.MEDIUM,
                note_en=f"The phone's storage was set up on {format_day(moment)} (the folder {path} was created "
                "then): the phone cannot hold its own data from before that date, except what was restored "
                "from a backup or copied onto it; a new phone, a reset or a second-hand phone are possible "
                "explanations.",
                note_nl=f"De opslag van de telefoon is ingesteld op {format_day(moment)} (de map {path} is toen "
                "aangemaakt): de telefoon kan geen eigen gegevens van vóór die datum bevatten, behalve wat uit "
                "een back-up is teruggezet of erop is gekopieerd; een nieuwe telefoon, een reset of een "
                "tweedehands telefoon zijn mogelijke verklaringen.",
                source_sha256=item.sha256,
            )
        ]
    changes = [(mtime, path) for path, _, mtime in rows]
    if not changes:
        return []
    seconds, path = min(changes)
    moment = _corrected(from_unix_s(seconds), clock_offset_s)
    return [
        DeviceHistorySignal(
            kind=SignalKind.STORAGE_INITIALISED,
            time_utc=moment,
            evidence=f"{_command_of(item)}: last-change time (%Y) of {path} (birth time not available)",
            confidence=Confidence.LOW,
            note_en=f"The phone's storage folder {path} was last changed on {format_day(moment)}; on most phones "
            "this happens only when the storage is first set up. If so, the phone cannot hold its own data "
            "from before that date, except what was restored from a backup or copied onto it; a new phone, a "
            "reset or a second-hand phone are possible explanations.",
            note_nl=f"De opslagmap {path} van de telefoon is het laatst gewijzigd op {format_day(moment)}; op de "
            "meeste telefoons gebeurt dat alleen bij het eerste instellen van de opslag. Zo ja, dan kan de "
            "telefoon geen eigen gegevens van vóór die datum bevatten, behalve wat uit een back-up is "
            "teruggezet of erop is gekopieerd; een nieuwe telefoon, een reset of een tweedehands telefoon zijn "
            "mogelijke verklaringen.",
            source_sha256=item.sha256,
        )
    ]


def _first_boot_signals(
    text: str, package: str, item: AcquiredItem, ctx: ParseContext, clock_offset_s: float
) -> list[DeviceHistorySignal]:
    if ctx.device_timezone is None:  # the times are wall-clock times in the device's zone
        return []
    moments: list[datetime] = []
    for value in _first_install_texts(text, package):
        try:
            moment = from_local_date_time_in_zone(value, ctx.device_timezone)
        except TimestampError:
            continue
        if moment >= PLAUSIBLE_FROM:
            moments.append(_corrected(moment, clock_offset_s))
    if not moments:
        return []
    moment = min(moments)
    return [
        DeviceHistorySignal(
            kind=SignalKind.FIRST_BOOT,
            time_utc=moment,
            evidence=f"{_command_of(item)}: firstInstallTime of the system app {package}",
            confidence=Confidence.MEDIUM,
            note_en=f"The phone's system was first started with empty user data on {format_day(moment)} (the "
            "setup wizard was registered then): the phone was new or reset at that time, and cannot hold its own "
            "data from before it, except what was restored from a backup or copied onto it; a reset or a "
            "second-hand phone are possible explanations.",
            note_nl=f"Het systeem van de telefoon is voor het eerst met lege gebruikersgegevens gestart op "
            f"{format_day(moment)} (de installatiewizard is toen geregistreerd): de telefoon was toen nieuw of "
            "gereset, en kan geen eigen gegevens van daarvoor bevatten, behalve wat uit een back-up is "
            "teruggezet of erop is gekopieerd; een reset of een tweedehands telefoon zijn mogelijke "
            "verklaringen.",
            source_sha256=item.sha256,
        )
    ]


def parse(item: AcquiredItem, ctx: ParseContext) -> Generator[LocationRecord, None, ParseSummary]:
    """No location records by design; counts the usable lines so the report shows what was read."""
    counter = SummaryCounter(variant=_command_of(item).split(" /")[0])
    signals = device_history_signals(item, ctx)
    counter.rows_read = len(signals)
    counter.skipped_no_location = len(signals)
    counter.note(f"{len(signals)} device-history signal(s); this artifact gives no location records")
    yield from ()
    return counter.freeze()


# --- fixture for the registry test (tests/extractor/artifacts/test_registry.py) -----------------------------

FIXTURE_TIMEZONE = "Europe/Amsterdam"


def fixture_for_tests() -> tuple[AcquiredItem, ParseContext, int]:
    """A ``dumpsys package`` output in the Android 14 layout (per-user firstInstallTime): 0 records, 1 signal."""
    import hashlib
    import io
    from zoneinfo import ZoneInfo

    text = (
        "Packages:\n"
        f"  Package [{SETUP_WIZARD_PACKAGE}] (8e3c2f1):\n"
        "    userId=10123\n"
        "    codePath=/product/priv-app/SetupWizardPrebuilt\n"
        "    timeStamp=2008-12-31 16:00:00\n"
        "    lastUpdateTime=2008-12-31 16:00:00\n"
        "    pkgFlags=[ SYSTEM HAS_CODE ALLOW_CLEAR_USER_DATA ]\n"
        "    User 0: ceDataInode=2162 installed=true hidden=false suspended=false stopped=false\n"
        "      installReason=0\n"
        "      firstInstallTime=2024-02-24 14:02:11\n"
        "      uninstallReason=0\n"
    ).encode()
    item = AcquiredItem(
        device_path="cmd:" + SETUP_WIZARD_COMMAND,
        sha256=hashlib.sha256(text).hexdigest(),
        size=len(text),
        mtime=None,
        opener=lambda: io.BytesIO(text),
    )
    ctx = ParseContext(device_timezone=ZoneInfo(FIXTURE_TIMEZONE), platform=Platform.ANDROID)
    return item, ctx, 0

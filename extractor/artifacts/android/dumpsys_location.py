"""Android ``dumpsys location``: the last known fix of each location provider.

The output names each fix as ``Location[<provider> <lat>,<lon> hAcc=<m> et=<elapsed> alt=<m> ...]`` where
``et`` is the time since boot (``elapsedRealtime``, printed as ``+1d2h3m4s5ms``). It is turned into a wall
clock time with an anchor pair — wall clock and elapsed realtime at one instant — taken from
``dumpsys alarm`` (``nowRTC=<ms>=<text> nowELAPSED=<ms>``) just before and stored in
``ParseContext.anchors`` (see ``parse_alarm_anchor``). ``nowRTC`` is the device clock, so the result is a
device-clock time (the runner corrects it by the measured clock offset).

Layouts handled: Android 12+ ("last location=Location[...]" under "<name> provider:") and Android 8-11
("Last Known Locations:" with "<name>: Location[...]"). "last coarse location" lines are deliberately blurred
copies of the same fix and are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Generator

from extractor.artifacts.common.parse_summary import ParseSummary, SummaryCounter
from extractor.artifacts.spec import (
    AcquiredItem,
    AcquireMode,
    ArtifactSpec,
    DataCategory,
    ParseContext,
    Platform,
)
from extractor.errors import ArtifactCorrupted
from extractor.records import FixKind, LocationRecord, TimeSource
from extractor.timestamps import from_android_elapsed_realtime, from_unix_ms

ANCHOR_WALL_MS = "android.elapsed_anchor.wall_ms"  # device wall clock (Unix ms) at the anchor instant
ANCHOR_ELAPSED_MS = "android.elapsed_anchor.elapsed_ms"  # elapsedRealtime (ms) at the same instant

SPEC = ArtifactSpec(
    id="android.dumpsys_location",
    title="Last known location of each provider (dumpsys location)",
    platform=Platform.ANDROID,
    category=DataCategory.LOCATION,
    commands=("dumpsys location",),
    mode=AcquireMode.COMMAND,
    max_file_bytes=16 * 1024 * 1024,
    formats=("dumpsys location text (Android 8-14)",),
    references=(
        "AOSP LocationManagerService / LocationProviderManager dump()",
        "AOSP android.location.Location#toString (et=elapsedRealtime via TimeUtils.formatDuration)",
        "AOSP AlarmManagerService dump (nowRTC / nowELAPSED)",
    ),
    verified_on=(
        "extractor/simulator/phone_builder.py phone (Android 14 layout): 3 fixes (gps, network, fused); "
        "tests/extractor/test_android_artifacts.py",
    ),
)

_LOCATION = re.compile(
    r"Location\[(?P<provider>[A-Za-z_]+) (?P<lat>-?\d+(?:\.\d+)?),(?P<lon>-?\d+(?:\.\d+)?)(?P<rest>[^\]]*)\]"
)
_ACCURACY = re.compile(r"\b(?:hAcc|acc)=(?P<value>\d+(?:\.\d+)?)")
_ELAPSED = re.compile(r"\bet=(?P<value>[+-]?[0-9dhms]+)")
_ALTITUDE = re.compile(r"\balt=(?P<value>-?\d+(?:\.\d+)?)")
_DURATION = re.compile(
    r"^(?P<sign>[+-]?)(?:(?P<d>\d+)d)?(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m(?!s))?(?:(?P<s>\d+)s)?(?:(?P<ms>\d+)ms)?$"
)
_ALARM_ANCHOR = re.compile(r"nowRTC=(?P<rtc>\d+)=[^\n]*?nowELAPSED=(?P<elapsed>[+-]?[0-9dhms]+)")

_FIX_KINDS = {
    "gps": FixKind.GNSS,
    "network": FixKind.UNKNOWN,
    "fused": FixKind.UNKNOWN,
    "passive": FixKind.UNKNOWN,
}


def parse_duration_ms(text: str) -> int:
    """Android ``TimeUtils.formatDuration`` text (``+1d2h3m4s5ms``) or plain milliseconds → milliseconds."""
    if text.lstrip("+-").isdigit():
        return int(text)
    match = _DURATION.match(text)
    if not match or not any(match.group(k) for k in ("d", "h", "m", "s", "ms")):
        raise ValueError(f"not an Android duration: {text!r}")
    total = (
        int(match.group("d") or 0) * 86_400_000
        + int(match.group("h") or 0) * 3_600_000
        + int(match.group("m") or 0) * 60_000
        + int(match.group("s") or 0) * 1000
        + int(match.group("ms") or 0)
    )
    return -total if match.group("sign") == "-" else total


def parse_alarm_anchor(text: str) -> dict[str, str]:
    """The ``nowRTC``/``nowELAPSED`` pair of ``dumpsys alarm`` as ParseContext anchors ({} when absent)."""
    match = _ALARM_ANCHOR.search(text)
    if not match:
        return {}
    return {
        ANCHOR_WALL_MS: match.group("rtc"),
        ANCHOR_ELAPSED_MS: str(parse_duration_ms(match.group("elapsed"))),
    }


def parse(item: AcquiredItem, ctx: ParseContext) -> Generator[LocationRecord, None, ParseSummary]:
    counter = SummaryCounter(variant="dumpsys location")
    if ANCHOR_WALL_MS not in ctx.anchors or ANCHOR_ELAPSED_MS not in ctx.anchors:
        raise ArtifactCorrupted(
            "dumpsys location gives times since boot; the 'dumpsys alarm' anchor needed to convert them is "
            "missing from the parse context"
        )
    anchor_wall = from_unix_ms(int(ctx.anchors[ANCHOR_WALL_MS]))
    anchor_elapsed_ms = float(ctx.anchors[ANCHOR_ELAPSED_MS])
    text = item.read_bytes().decode("utf-8", "replace")
    seen: set[tuple[str, str, str, str]] = set()
    for line_number, line in enumerate(text.splitlines(), start=1):
        if "coarse" in line.lower():
            continue
        for match in _LOCATION.finditer(line):
            counter.rows_read += 1
            provider, rest = match.group("provider"), match.group("rest")
            row_ref = f"line {line_number}"
            elapsed = _ELAPSED.search(rest)
            if elapsed is None:
                counter.invalid(row_ref, "fix without et= (elapsed realtime)")
                continue
            key = (provider, match.group("lat"), match.group("lon"), elapsed.group("value"))
            if key in seen:
                continue
            seen.add(key)
            try:
                moment = from_android_elapsed_realtime(
                    parse_duration_ms(elapsed.group("value")),
                    anchor_wall_utc=anchor_wall,
                    anchor_elapsed_ms=anchor_elapsed_ms,
                )
                accuracy = _ACCURACY.search(rest)
                altitude = _ALTITUDE.search(rest)
                record = LocationRecord(
                    time_utc=moment,
                    lat=float(match.group("lat")),
                    lon=float(match.group("lon")),
                    accuracy_m=float(accuracy.group("value")) if accuracy else None,
                    fix_kind=_FIX_KINDS.get(provider, FixKind.UNKNOWN),
                    time_source=TimeSource.DEVICE_CLOCK,
                    artifact_id=SPEC.id,
                    source_path=item.device_path,
                    source_sha256=item.sha256,
                    row_ref=f"{row_ref} ({provider})",
                    altitude_m=float(altitude.group("value")) if altitude else None,
                    note=f"last known {provider} fix; time from elapsed realtime and the dumpsys alarm anchor",
                )
            except ValueError as exc:
                counter.invalid(row_ref, str(exc))
                continue
            counter.records += 1
            yield record
    return counter.freeze()

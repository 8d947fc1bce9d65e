"""What an extraction job acquires from: one adapter per job kind over the extractor's sources.

A target gives the runner a ``Source`` plus what only a live device can say (identity, clock) and the
parse context. Offline inputs have no live clock: their offset is recorded as unknown, not as zero.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from extractor.artifacts.spec import ParseContext, Platform
from extractor.errors import ExtractionError
from extractor.records import ClockReading
from extractor.sources.base import DeviceIdentity, Source

JOB_KINDS = ("adb", "ios_usbmux", "ios_backup", "archive", "google_export")


def missing_fact_entries(codes: list[str]) -> list[dict[str, str]]:
    """Each missing device fact as the job records it: its code and its words in English and Dutch."""
    import catalogue

    entries = []
    for code in dict.fromkeys(codes):
        words = catalogue.group("device_fact_missing").get(code)
        if words is None:
            entries.append({"code": code, "en": code, "nl": code, "en_long": code, "nl_long": code})
            continue
        entries.append(
            {
                "code": code,
                "en": words.en,
                "nl": words.nl,
                "en_long": words.text("en", long=True),
                "nl_long": words.text("nl", long=True),
            }
        )
    return entries


@dataclass
class Target:
    source: Source
    platform: Platform
    identity: Callable[[], DeviceIdentity | None]
    read_clock: Callable[[], ClockReading | None]
    parse_context: Callable[[set[str]], ParseContext]
    close: Callable[[], None]
    tool_versions: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    input_sha256: str | None = None  # offline inputs: SHA-256 of the input as received (an evidence item)
    live_clock: bool = (
        False  # a live device: a clock it does not give is a missing fact, not an offline input
    )


class TargetError(ExtractionError):
    pass


def _station_keys(data_dir: Path) -> Path:
    path = Path(data_dir) / "keys" / "adb"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def open_target(kind: str, params: dict[str, Any], *, data_dir: Path, secrets: dict[str, str]) -> Target:
    """Open the job's source. ``secrets`` (e.g. a backup password) live only in memory, never in the job row."""
    if kind == "adb":
        return _adb_target(params, data_dir)
    if kind == "ios_usbmux":
        from casework.jobs.ios_target import ios_usbmux_target

        return ios_usbmux_target(params, data_dir, secrets=secrets)
    if kind in ("ios_backup", "archive", "google_export"):
        from casework.jobs.offline_target import offline_target

        return offline_target(kind, params, secrets=secrets, data_dir=data_dir)
    raise TargetError(f"unknown job kind {kind!r}; choose one of {', '.join(JOB_KINDS)}")


def _adb_target(params: dict[str, Any], data_dir: Path) -> Target:
    import adb_shell

    from extractor.sources.android import AdbSource, android_parse_context

    if params.get("usb"):
        source = AdbSource.connect_usb(params.get("serial"), key_dir=_station_keys(data_dir))
    else:
        host = str(params.get("host", "127.0.0.1"))
        port = int(params.get("port", 5555))
        source = AdbSource.connect_tcp(
            host,
            port,
            key_dir=_station_keys(data_dir),
            auth_timeout_s=float(params.get("auth_timeout_s", 60.0)),
        )

    def context(artifact_ids: set[str]) -> ParseContext:
        return android_parse_context(source, elapsed_anchor="android.dumpsys_location" in artifact_ids)

    return Target(
        source=source,
        platform=Platform.ANDROID,
        identity=source.identity,
        read_clock=source.read_clock,
        parse_context=context,
        close=source.close,
        tool_versions={"adb-shell": adb_shell.__version__},
        live_clock=True,
    )

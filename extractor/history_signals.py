"""Signs that a phone changed hands or was reset (LEGAL 16), as data.

A ``DeviceHistorySignal`` says *when* something happened to the device (its system first started after the
data partition was wiped, its shared storage was set up, its own data begins), *where the evidence is*
(command or path and the hash of what was read), how much weight it bears, and a plain sentence in English
and Dutch for the limitations section. Signals never change a finding: claims before the phone's own first
record are already "no data"; a reset explains an absence, it never makes a claim inconsistent.

Device-side signals come from artifacts (``extractor/artifacts/android/device_history.py``). The one
platform-independent sign, "data starts abruptly", is computed here from what the job stored:
``data_start_signals``.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from extractor.timestamps import parse_iso8601, require_utc

# Records that begin within this time after the set-up moment "begin right after the set-up".
DATA_STARTS_AFTER_SETUP_S = 3 * 86_400.0
# Own records that begin this long after the oldest file time seen (and the window start) "start abruptly".
DATA_STARTS_AFTER_OLDEST_FILE_S = 30 * 86_400.0


class SignalKind(enum.StrEnum):
    FIRST_BOOT = "first_boot"  # the system first started with an empty data partition (new phone or reset)
    STORAGE_INITIALISED = "storage_initialised"  # the shared storage (/sdcard) was set up
    DATA_STARTS = "data_starts"  # the device's own records begin abruptly


class Confidence(enum.StrEnum):
    """How much a signal bears. None of them is proof: each note says what else could explain it."""

    MEDIUM = "medium"  # the moment the system recorded for the event itself, read with the device clock
    LOW = "low"  # an indirect trace (a folder's last change, the shape of the data)


@dataclass(frozen=True, slots=True)
class DeviceHistorySignal:
    kind: SignalKind
    time_utc: (
        datetime  # tz-aware UTC, corrected by the job's measured clock offset where it was a device time
    )
    evidence: str  # the command or device path, and what in it (e.g. "firstInstallTime of ...")
    confidence: Confidence
    note_en: str
    note_nl: str
    source_sha256: str | None = None  # hash of the stored item the signal was read from (None: derived)

    def __post_init__(self) -> None:
        require_utc(self.time_utc)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "time_utc": self.time_utc.isoformat(),
            "evidence": self.evidence,
            "confidence": self.confidence.value,
            "note_en": self.note_en,
            "note_nl": self.note_nl,
            "source_sha256": self.source_sha256,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DeviceHistorySignal:
        return cls(
            kind=SignalKind(data["kind"]),
            time_utc=parse_iso8601(str(data["time_utc"])),
            evidence=str(data["evidence"]),
            confidence=Confidence(data["confidence"]),
            note_en=str(data["note_en"]),
            note_nl=str(data["note_nl"]),
            source_sha256=data.get("source_sha256"),
        )


def format_day(moment: datetime) -> str:
    """The UTC date and time a note shows (minutes are enough: the signals are not that precise)."""
    return require_utc(moment).strftime("%Y-%m-%d %H:%M UTC")


def data_start_signals(
    *,
    first_own_record_utc: datetime | None,
    oldest_file_time_utc: datetime | None,
    window_start_utc: datetime | None,
    setup_times_utc: Sequence[datetime] = (),
) -> list[DeviceHistorySignal]:
    """The platform-independent sign "data starts abruptly", from what one job stored.

    ``first_own_record_utc``: the earliest record that is the device's own observation (kept, so inside the
    authorised window). ``oldest_file_time_utc``: the oldest file modification time the job saw (custody),
    corrected by the clock offset. ``setup_times_utc``: first-boot / storage set-up moments from device-side
    signals. Two rules, each giving at most one signal:

    - own records begin within ``DATA_STARTS_AFTER_SETUP_S`` after a set-up moment (and after the window
      start): the data begins because the phone (or its storage) began then;
    - own records begin more than ``DATA_STARTS_AFTER_OLDEST_FILE_S`` after both the oldest file time and the
      window start: files are older than any own record, so the own history was cut off or never kept.
    Records that begin at the window start say nothing: the window, not the phone, cut them.
    """
    if first_own_record_utc is None:
        return []
    first = require_utc(first_own_record_utc)
    window_start = require_utc(window_start_utc) if window_start_utc is not None else None
    signals: list[DeviceHistorySignal] = []
    after_setup = [
        require_utc(t)
        for t in setup_times_utc
        if timedelta(0) <= first - require_utc(t) <= timedelta(seconds=DATA_STARTS_AFTER_SETUP_S)
    ]
    if after_setup and (window_start is None or max(after_setup) >= window_start):
        setup = max(after_setup)
        signals.append(
            DeviceHistorySignal(
                kind=SignalKind.DATA_STARTS,
                time_utc=first,
                evidence="first own location record of the job, compared with the set-up time read from the phone",
                confidence=Confidence.LOW,
                note_en=f"The phone's own location records begin {format_day(first)}, right after the phone "
                f"was set up ({format_day(setup)}): the data starts with the phone, not with the journey.",
                note_nl=f"De eigen locatiegegevens van de telefoon beginnen op {format_day(first)}, direct na "
                f"het instellen van de telefoon ({format_day(setup)}): de gegevens beginnen met de telefoon, "
                "niet met de reis.",
            )
        )
        return signals
    if oldest_file_time_utc is None:
        return signals
    reference = require_utc(oldest_file_time_utc)
    if window_start is not None:
        reference = max(reference, window_start)
    if first - reference > timedelta(seconds=DATA_STARTS_AFTER_OLDEST_FILE_S):
        days = int((first - reference).total_seconds() // 86_400)
        signals.append(
            DeviceHistorySignal(
                kind=SignalKind.DATA_STARTS,
                time_utc=first,
                evidence="first own location record of the job against the oldest file time in the chain "
                "of custody",
                confidence=Confidence.LOW,
                note_en=f"The phone's own location records begin {format_day(first)}, {days} days after the "
                f"oldest file time seen on it ({format_day(reference)}): its own history may have been "
                "erased (a reset), kept elsewhere, or the phone may have come from someone else.",
                note_nl=f"De eigen locatiegegevens van de telefoon beginnen op {format_day(first)}, {days} "
                f"dagen na de oudste bestandstijd erop ({format_day(reference)}): de eigen geschiedenis kan "
                "gewist zijn (een reset), elders bewaard zijn, of de telefoon kan van iemand anders komen.",
            )
        )
    return signals

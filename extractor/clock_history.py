"""Which clock offset applies to a *historical* device-clock time: today's, or none.

The offset measured at extraction (device minus station clock) says how wrong the device clock is *today*. A
photo's ``datetaken`` or a Photos.sqlite ``ZDATECREATED`` was stamped months ago; whether the clock was off by
the same amount then is a question of evidence, not of assumption. The evidence is a GNSS time of the same
moment:

- the same file's EXIF fix (GPSDateStamp/GPSTimeStamp; not a received photo's) beside a device-clock record of that file (a MediaStore
  row, a Photos.sqlite row): their difference is the device clock's error when the photo was taken;
- a photo whose EXIF holds both a GNSS time and DateTimeOriginal with OffsetTimeOriginal: the same difference,
  for the job as a whole.

Decision for one device-clock record, with ``today`` the measured offset and ``then`` the evidence (the file's
own difference, else the median over the job's photos): when ``|today|`` is at most
``agreement_s`` the question does not arise and today's offset is applied; when ``then`` agrees with ``today``
within ``agreement_s`` today's offset is applied; when ``then`` is within ``agreement_s`` of zero the clock was
right then and nothing is applied (the record says why); otherwise, and when there is no evidence at all,
today's offset is applied as before (DESIGN: device-clock times are corrected by the measured offset) and, with
contrary evidence, the record says the correction is uncertain.

A device-clock row about a photo whose own EXIF GNSS fix is known (a MediaStore or Photos.sqlite row) is the
same observation as that fix: it takes the fix's time (its own is kept in the note), so the route shows one
point with both sources instead of two.

``agreement_s`` (default 60 s) allows for a GNSS fix taken some seconds before the shutter. It must stay below
half of the offsets it tells apart; an offset of a minute or less is within what a route can resolve anyway.
"""

from __future__ import annotations

import bisect
import statistics
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from extractor.records import LocationRecord, Observation, TimeSource

_PREFIXES = (
    ("/storage/emulated/0/", "/sdcard/"),
    ("/storage/self/primary/", "/sdcard/"),
    ("/private/var/mobile/Media/", "/"),
    ("/var/mobile/Media/", "/"),
    ("/CameraRollDomain/Media/", "/"),
)


def file_key(path: str) -> str:
    """One spelling of a media file's path across sources (``/storage/emulated/0`` is ``/sdcard``...)."""
    text = "/" + path.replace("\\", "/").lstrip("/")
    for prefix, replacement in _PREFIXES:
        if text.startswith(prefix):
            text = replacement + text[len(prefix) :]
            break
    return text


@dataclass(slots=True)
class ClockHistory:
    """Evidence gathered while a job parses, and the offset each device-clock record gets from it."""

    today_offset_s: float
    agreement_s: float = 60.0
    gnss_by_file: dict[str, float] = field(default_factory=dict)  # file → GNSS time (Unix s) of its EXIF fix
    gnss_source_by_file: dict[str, str] = field(default_factory=dict)  # file → "artifact path" of that fix
    photo_differences_s: list[float] = field(default_factory=list)  # device clock minus GNSS, one per photo
    own_files: set[str] = field(default_factory=set)  # files whose fix is not a received photo's
    _sorted_differences: list[float] = field(default_factory=list)  # photo_differences_s, in order

    def observe(self, record: LocationRecord) -> None:
        """Learn from a record (call for every record, before correcting later ones)."""
        if record.time_source is not TimeSource.GNSS:
            return
        key = file_key(record.subject_path or record.source_path)
        if key not in self.gnss_by_file:
            self.gnss_by_file[key] = record.time_utc.timestamp()
            self.gnss_source_by_file[key] = f"{record.artifact_id} {record.source_path}"
            if record.observation is not Observation.RECEIVED:
                self.own_files.add(key)
        # a received photo was timed by another device's clock: no evidence about this one's
        if record.device_clock_utc is not None and record.observation is not Observation.RECEIVED:
            difference = (record.device_clock_utc - record.time_utc).total_seconds()
            self.photo_differences_s.append(difference)
            bisect.insort(self._sorted_differences, difference)

    def _file_difference(self, record: LocationRecord) -> float | None:
        if not record.subject_path:
            return None
        key = file_key(record.subject_path)
        if key not in self.own_files:
            return None  # unknown, or a received photo: its fix was timed by another device
        gnss = self.gnss_by_file.get(key)
        return None if gnss is None else record.time_utc.timestamp() - gnss

    def correct_item(self, records: list[LocationRecord]) -> list[LocationRecord]:
        """The records of one acquired item, each with the offset that applies to its time.

        Evidence, in order: the record's own file; the other records of the same item (one database written by
        one clock); the job's photos. GNSS records of the item are learnt from first.
        """
        for record in records:
            self.observe(record)
        differences = [self._file_difference(r) for r in records]
        known = [d for d in differences if d is not None]
        item_median = statistics.median(known) if known else None
        corrected: list[LocationRecord] = []
        for record, difference in zip(records, differences, strict=True):
            evidence: tuple[float, str] | None = None
            # evidence decides only for a device-clock time when today's offset is large enough to matter
            # (see _correct); the job's median is then computed once per number of photos, not per record
            if record.time_source is TimeSource.DEVICE_CLOCK and abs(self.today_offset_s) > self.agreement_s:
                if difference is not None:
                    evidence = (difference, "the same photo's GNSS time")
                elif item_median is not None:
                    evidence = (
                        item_median,
                        f"{len(known)} other row(s) of the same source matched to photos' GNSS times",
                    )
                elif self.photo_differences_s:
                    count = len(self.photo_differences_s)
                    evidence = (self._photos_median(), f"{count} photo(s) with both a GNSS and a camera time")
            corrected.append(self._one_observation(self._correct(record, evidence)))
        return corrected

    def _photos_median(self) -> float:
        """Median of the job's photo differences, from a sorted copy kept as they arrive (``observe``): the
        job's records must not each sort twenty thousand numbers (that was half of a big job's time)."""
        ordered = self._sorted_differences
        middle = len(ordered) // 2
        return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2

    def _one_observation(self, record: LocationRecord) -> LocationRecord:
        """A row about a photo whose own EXIF fix is known: the same observation, at the fix's GNSS time.

        Both records are kept (both sources stay listed); with one time and one position the route's cleaning
        makes them one point (``DUPLICATE`` of each other) instead of two a few minutes apart.
        """
        if not record.subject_path or record.time_source is not TimeSource.DEVICE_CLOCK:
            return record
        key = file_key(record.subject_path)
        gnss = self.gnss_by_file.get(key)
        if gnss is None:
            return record
        own_time = record.time_utc
        aligned = datetime.fromtimestamp(gnss, UTC)
        note = (
            f"one observation with {self.gnss_source_by_file[key]} (same photo): time from its GNSS fix; "
            f"this row's own time was {own_time.isoformat()}"
        )
        return _with_note(replace(record, time_utc=aligned), note)

    def _correct(self, record: LocationRecord, evidence: tuple[float, str] | None) -> LocationRecord:
        if record.time_source is not TimeSource.DEVICE_CLOCK:
            return record.with_clock_offset(self.today_offset_s)
        today = self.today_offset_s
        if abs(today) <= self.agreement_s or evidence is None:
            return record.with_clock_offset(today)
        then_s, basis = evidence
        if abs(then_s - today) <= self.agreement_s:
            return record.with_clock_offset(today)
        if abs(then_s) <= self.agreement_s:
            note = (
                f"device clock was right when this was recorded ({basis}: {then_s:+.0f} s): today's "
                f"offset of {today:+.0f} s is not applied"
            )
            return _with_note(record.with_clock_offset(0.0), note)
        note = (
            f"today's clock offset of {today:+.0f} s applied, but {basis} says the clock was off by "
            f"{then_s:+.0f} s then: this time is uncertain by the difference"
        )
        return _with_note(record.with_clock_offset(today), note)


def _with_note(record: LocationRecord, note: str) -> LocationRecord:
    return replace(record, note=f"{record.note}; {note}" if record.note else note)

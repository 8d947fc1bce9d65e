"""Exports of the audit log that prove themselves, and their offline verification.

An export (JSON or CSV) of a filtered range carries every field an entry's hash covers, the entry's
``prev_hash`` and ``hash``, and the chain's head and latest checkpoint (anchor) at the time of export.
``verify_export`` then needs no database: it recomputes each entry's hash from its fields (through
``store.audit`` — one call, so a keyed hash carries over), checks every link between consecutive seqs, checks
the entries at the seq of a trusted anchor, and names the first bad entry.

What an offline check can and cannot prove: an edited entry always fails (its hash no longer matches); a
removed, inserted or reordered entry fails wherever its neighbours are in the file (their links break) and the
declared range and count no longer match. Between two non-consecutive seqs of a filtered export there is no
link to check: such gaps are counted and reported. Full proof up to a checkpoint needs an unfiltered range
that reaches the checkpoint's seq, compared with a checkpoint taken from outside the file (``trusted_anchors``).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.compliance.chain import latest_checkpoint
from casework.compliance.explorer import AuditFilter, ExplorerError, apply_filter
from casework.compliance.hashing import HASHED_FIELDS, KeyNeeded, recompute_hash
from casework.errors import CaseworkError
from store import audit
from store.models import AuditEntry

FORMAT = "reisroute-audit-export"
FORMAT_VERSION = 1
MAX_EXPORT_ENTRIES = 250_000
CSV_COLUMNS = (*HASHED_FIELDS, "hash")
ExportFormat = Literal["json", "csv"]


class ExportError(CaseworkError):
    """The export file cannot be read as an audit export (wrong format, unreadable field)."""


# --- writing ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Export:
    content: bytes
    media_type: str
    file_name: str
    sha256: str
    count: int
    first_seq: int | None
    last_seq: int | None


COLUMNS = CSV_COLUMNS  # every hashed field and the entry's own hash


def _entry_record(row: Any) -> dict[str, Any]:
    record = {name: getattr(row, name) for name in COLUMNS}
    record["at"] = row.at.isoformat(timespec="microseconds")
    record["details"] = row.details or {}
    return record


def _rows(session: Session, flt: AuditFilter, batch_size: int = 5000) -> Iterator[Any]:
    """The matching entries oldest first, as plain rows (no ORM objects: an export may hold 250,000)."""
    columns = [getattr(AuditEntry, name) for name in COLUMNS]
    dialect = session.get_bind().dialect.name
    last = 0
    while True:
        batch = session.execute(
            apply_filter(select(*columns), flt, dialect=dialect)
            .where(AuditEntry.seq > last)
            .order_by(AuditEntry.seq)
            .limit(batch_size)
        ).all()
        if not batch:
            return
        yield from batch
        last = batch[-1].seq


def build_export(
    session: Session,
    flt: AuditFilter,
    *,
    data_dir: Path,
    export_format: ExportFormat,
    exported_by: dict[str, str],
    now: datetime,
) -> Export:
    """The filtered range, oldest first, with the chain head and the latest checkpoint it verifies against."""
    entries = []
    for row in _rows(session, flt):
        entries.append(_entry_record(row))
        if len(entries) > MAX_EXPORT_ENTRIES:
            raise ExplorerError(
                f"more than {MAX_EXPORT_ENTRIES} entries match: narrow the period or the filter and export in parts"
            )
    head_seq, head_hash = audit.head(session)
    meta = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "exported_at": now.isoformat(),
        "exported_by": exported_by,
        "filter": flt.as_details(),
        "chain_head": {"seq": head_seq, "hash": head_hash},
        "latest_anchor": latest_checkpoint(data_dir),
        "range": {
            "count": len(entries),
            "first_seq": entries[0]["seq"] if entries else None,
            "last_seq": entries[-1]["seq"] if entries else None,
        },
    }
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    if export_format == "json":
        content = json.dumps({**meta, "entries": entries}, ensure_ascii=False, indent=1).encode("utf-8")
        media_type, name = "application/json", f"audit-export-{stamp}.json"
    else:
        content = _csv(meta, entries).encode("utf-8")
        media_type, name = "text/csv; charset=utf-8", f"audit-export-{stamp}.csv"
    return Export(
        content=content,
        media_type=media_type,
        file_name=name,
        sha256=hashlib.sha256(content).hexdigest(),
        count=len(entries),
        first_seq=meta["range"]["first_seq"],  # type: ignore[index]
        last_seq=meta["range"]["last_seq"],  # type: ignore[index]
    )


def _csv(meta: dict[str, Any], entries: Iterable[dict[str, Any]]) -> str:
    out = io.StringIO()
    # the first line carries the export's facts as JSON behind "#": spreadsheets show it, the verifier reads it
    out.write("# " + json.dumps(meta, ensure_ascii=False, sort_keys=True) + "\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        writer.writerow(
            [
                "" if entry[name] is None else _canonical(entry[name]) if name == "details" else entry[name]
                for name in CSV_COLUMNS
            ]
        )
    return out.getvalue()


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# --- reading and verifying (offline) --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TrustedAnchor:
    seq: int
    hash: str


@dataclass(slots=True)
class ExportVerification:
    ok: bool = True
    entries_checked: int = 0
    first_bad_seq: int | None = None
    problems: list[str] = field(default_factory=list)
    links_checked: int = 0
    gaps: int = 0
    anchors_checked: int = 0
    first_seq: int | None = None
    last_seq: int | None = None
    chain_head: dict[str, Any] | None = None
    latest_anchor: dict[str, Any] | None = None

    def bad(self, seq: int | None, message: str) -> None:
        self.ok = False
        if self.first_bad_seq is None and seq is not None:
            self.first_bad_seq = seq
        self.problems.append(message)

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}  # type: ignore[attr-defined]


def read_export(content: bytes) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(facts, entries) of a JSON or CSV export; entries carry typed fields (``at`` a datetime)."""
    text = content.decode("utf-8")
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            document = json.loads(text)
        except ValueError as exc:
            raise ExportError(f"the file is not valid JSON: {exc}") from exc
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise ExportError(f"not an audit export (expected a {FORMAT!r} document)")
        raw_entries = document.pop("entries", None)
        if not isinstance(raw_entries, list):
            raise ExportError("the JSON export holds no list of entries")
        meta = document
    elif stripped.startswith("#"):
        first, _, rest = stripped.partition("\n")
        try:
            meta = json.loads(first[1:].strip())
        except ValueError as exc:
            raise ExportError(f"the CSV export's first line is not its facts: {exc}") from exc
        reader = csv.DictReader(io.StringIO(rest))
        if tuple(reader.fieldnames or ()) != CSV_COLUMNS:
            raise ExportError(f"the CSV columns must be {', '.join(CSV_COLUMNS)}")
        raw_entries = list(reader)
    else:
        raise ExportError("not an audit export: expected a JSON document or a CSV with a '#' facts line")
    if meta.get("format") != FORMAT:
        raise ExportError(f"not an audit export (format {meta.get('format')!r}, expected {FORMAT!r})")
    return meta, [_typed(raw, number) for number, raw in enumerate(raw_entries, start=1)]


def _typed(raw: dict[str, Any], number: int) -> dict[str, Any]:
    try:
        details = raw["details"]
        if isinstance(details, str):
            details = json.loads(details) if details else {}
        case_id = raw["case_id"]
        return {
            "seq": int(raw["seq"]),
            "at": datetime.fromisoformat(str(raw["at"])),
            "actor": str(raw["actor"]),
            "role": str(raw["role"]),
            "case_id": None if case_id in (None, "") else int(case_id),
            "action": str(raw["action"]),
            "object_type": str(raw["object_type"]),
            "object_id": str(raw["object_id"]),
            "reason": str(raw["reason"]),
            "details": details,
            "prev_hash": str(raw["prev_hash"]),
            "chain_version": int(raw.get("chain_version") or 1),
            "key_id": (str(raw["key_id"]) if raw.get("key_id") not in (None, "") else None),
            "hash": str(raw["hash"]),
        }
    except (KeyError, ValueError, TypeError) as exc:
        raise ExportError(f"entry {number} of the export is unreadable: {type(exc).__name__}: {exc}") from exc


def verify_export(
    content: bytes, *, trusted_anchors: Iterable[TrustedAnchor] = (), key: audit.AuditKey | None = None
) -> ExportVerification:
    """Check an export offline; ``first_bad_seq`` names the first entry that fails."""
    meta, entries = read_export(content)
    result = ExportVerification(chain_head=meta.get("chain_head"), latest_anchor=meta.get("latest_anchor"))
    previous: dict[str, Any] | None = None
    by_seq: dict[int, str] = {}
    for entry in entries:
        seq = entry["seq"]
        result.entries_checked += 1
        if previous is not None and seq <= previous["seq"]:
            result.bad(
                seq, f"entry {seq} follows entry {previous['seq']}: entries are out of order or repeated"
            )
        try:
            matches = recompute_hash(entry, key) == entry["hash"]
        except KeyNeeded:
            result.bad(
                seq, f"entry {seq} is keyed (HMAC): verify with the audit key (REISROUTE_AUDIT_KEY_FILE)"
            )
        else:
            if not matches:
                result.bad(seq, f"entry {seq} content does not match its hash: edited")
        if previous is not None and seq == previous["seq"] + 1:
            result.links_checked += 1
            if entry["prev_hash"] != previous["hash"]:
                result.bad(seq, f"entry {seq} does not link to entry {previous['seq']}: inserted or replaced")
        elif previous is not None and seq > previous["seq"] + 1:
            result.gaps += 1
        elif previous is None and seq == 1 and entry["prev_hash"] != audit.GENESIS_HASH:
            result.bad(seq, "entry 1 does not start from the genesis hash")
        by_seq[seq] = entry["hash"]
        previous = entry
    declared = meta.get("range") or {}
    result.first_seq = entries[0]["seq"] if entries else None
    result.last_seq = entries[-1]["seq"] if entries else None
    if declared.get("count") != len(entries):
        result.bad(
            _first_missing(entries),
            f"the export declares {declared.get('count')} entries but holds {len(entries)}: entries were removed "
            "or added",
        )
    if declared.get("first_seq") != result.first_seq or declared.get("last_seq") != result.last_seq:
        result.bad(
            result.first_seq,
            f"the export declares the range {declared.get('first_seq')}–{declared.get('last_seq')} but holds "
            f"{result.first_seq}–{result.last_seq}",
        )
    anchors = list(trusted_anchors)
    for source in (meta.get("latest_anchor"), meta.get("chain_head")):
        if source and source.get("seq") in by_seq:
            anchors.append(TrustedAnchor(seq=int(source["seq"]), hash=str(source["hash"])))
    for anchor in anchors:
        if anchor.seq in by_seq:
            result.anchors_checked += 1
            if by_seq[anchor.seq] != anchor.hash:
                result.bad(anchor.seq, f"entry {anchor.seq} differs from the checkpoint {anchor.hash[:16]}…")
    return result


def _first_missing(entries: list[dict[str, Any]]) -> int | None:
    for previous, entry in zip(entries, entries[1:], strict=False):
        if entry["seq"] != previous["seq"] + 1:
            return int(previous["seq"]) + 1
    return entries[-1]["seq"] + 1 if entries else None


def verify_export_file(path: Path, *, trusted_anchors: Iterable[TrustedAnchor] = ()) -> ExportVerification:
    try:
        content = Path(path).read_bytes()
    except OSError as exc:
        raise ExportError(f"cannot read {path}: {exc}") from exc
    return verify_export(content, trusted_anchors=trusted_anchors)

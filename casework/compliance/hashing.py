"""The one place the compliance view asks ``store.audit`` for an entry's hash.

When entry hashing changes (for example to a keyed HMAC), only this module follows; the offline verification
of exports and the incremental chain check both go through ``recompute_hash``.
"""

from __future__ import annotations

from typing import Any

from store import audit
from store.models import AuditEntry

# the fields an entry's hash covers
HASHED_FIELDS = (
    "seq",
    "at",
    "actor",
    "role",
    "case_id",
    "action",
    "object_type",
    "object_id",
    "reason",
    "details",
    "prev_hash",
)


def row_fields(row: AuditEntry) -> dict[str, Any]:
    """The hashed fields of a stored entry, plus its own ``hash``."""
    fields = {name: getattr(row, name) for name in HASHED_FIELDS}
    fields["details"] = row.details or {}
    fields["hash"] = row.hash
    return fields


def recompute_hash(entry: dict[str, Any]) -> str:
    """The entry's hash from its fields — computed by the audit log itself, never re-implemented here."""
    return audit.entry_hash(**{name: entry[name] for name in HASHED_FIELDS})

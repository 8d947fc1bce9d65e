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
    "chain_version",
    "key_id",
)


def row_fields(row: AuditEntry) -> dict[str, Any]:
    """The hashed fields of a stored entry, plus its own ``hash``."""
    fields = {name: getattr(row, name) for name in HASHED_FIELDS}
    fields["details"] = row.details or {}
    fields["hash"] = row.hash
    return fields


UNKEYED_FIELDS = HASHED_FIELDS[:-2]


class KeyNeeded(Exception):
    """A keyed entry (HMAC) cannot be checked without the audit key."""


def default_key() -> audit.AuditKey | None:
    """The audit key from the service's settings (REISROUTE_AUDIT_KEY_FILE / REISROUTE_AUDIT_KEY), if any."""
    from casework.settings import Settings

    settings = Settings()
    secret = settings.audit_key.get_secret_value() if settings.audit_key is not None else None
    if not secret and settings.audit_key_file is None:
        return None
    try:
        return audit.load_key(
            key_hex=secret, key_file=settings.audit_key_file, data_dir=settings.data_dir, demo=True
        )
    except audit.AuditKeyError:
        return None


def recompute_hash(entry: dict[str, Any], key: audit.AuditKey | None = None) -> str:
    """The entry's hash (chain version 1) or MAC (version 2, keyed) from its fields — computed by the audit
    log itself, never re-implemented here. A keyed entry needs the key (``KeyNeeded`` without one)."""
    if int(entry.get("chain_version") or 1) < audit.CHAIN_VERSION_KEYED:
        return audit.entry_hash(**{name: entry[name] for name in UNKEYED_FIELDS})
    key = key or default_key()
    if key is None:
        raise KeyNeeded("this entry is keyed (HMAC): give the audit key to check it")
    return key.mac_entry(audit.keyed_body(entry))

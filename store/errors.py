"""One exception root for the store package."""


class StoreError(Exception):
    """Root of errors raised by the store."""


class EvidenceIntegrityError(StoreError):
    """Stored evidence no longer matches the hash recorded at acquisition."""


class EvidenceKeyDestroyed(StoreError):
    """The case's evidence key was destroyed (retention ended): its evidence is unreadable by design."""


class AuditChainBroken(StoreError):
    """The audit chain failed verification."""


class StoreUnavailable(StoreError):
    """The database stayed locked or unreachable: the request may be retried (HTTP 503, Retry-After)."""

"""The compliance officer's view of the whole organisation's processing (issue 17).

- ``explorer``: the audit log across cases, filtered and paged by ``seq`` (keyset), with words for actions;
- ``export``: exports of a filtered range that carry the hashes to verify them, and their offline check;
- ``retention_watch``: cases due for deletion, overdue ones, deletions with their proof;
- ``statistics``: extractions, consent, authorisations, releases and deletions per period;
- ``register``: the facts of the register of processing (AVG/GDPR art. 30), derived from policy and data.

Nothing here writes the audit chain itself except through ``legal_basis.services.record`` /
``store.audit.append``; the hash of an entry is always computed by ``store.audit``.
"""

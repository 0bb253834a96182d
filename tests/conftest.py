"""Settings for the whole suite.

Hypothesis: the same examples on every run (`derandomize`, seeded from each test), no
example database carried between runs, no deadline and no health check that measures
time. A property that fails only on some runs, or only on a loaded machine, would fail CI
at random; to look for new counterexamples on purpose, run with
JOBSMITH_HYPOTHESIS=explore (random examples).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", derandomize=True, database=None, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "explore", database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("JOBSMITH_HYPOTHESIS", "ci"))

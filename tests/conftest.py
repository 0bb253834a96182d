"""Settings for the whole suite.

Locale: every process the tests start runs in C.UTF-8, whatever the machine's. Under
LC_ALL=C (some CI agents) the JVM cannot name a non-ASCII file, so Groovy missed
`rapport-qualité.groovy`; under another language, shell and coreutils messages in the
golden outputs would change. (Python itself reads UTF-8 in the C locale, PEP 540.)

Hypothesis: the same examples on every run (`derandomize`, seeded from each test), no
example database carried between runs, no deadline and no health check that measures
time. A property that fails only on some runs, or only on a loaded machine, would fail CI
at random; to look for new counterexamples on purpose, run with
JOBSMITH_HYPOTHESIS=explore (random examples).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

os.environ["LC_ALL"] = "C.UTF-8"
os.environ.pop("LANGUAGE", None)

settings.register_profile(
    "ci", derandomize=True, database=None, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "explore", database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("JOBSMITH_HYPOTHESIS", "ci"))

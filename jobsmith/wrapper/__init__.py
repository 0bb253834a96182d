"""`jobsmith run`: the wrapper that runs one job step on an agent.

Process supervision, retries, timeouts, statsd metrics and Sensu alerts, one module each.
Modules on the start-up path import only the standard library's cheapest parts: the
wrapper starts for every step of every job, so its start-up time is part of every run.
They do without `from __future__ import annotations` (importing `__future__` is a tenth
of a millisecond of every start): annotations that name a type imported only for the
type checker are written as strings.
"""

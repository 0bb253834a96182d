"""One call from a spec tree to a forecast: what `jobsmith schedule` shows."""

from __future__ import annotations

import contextlib
import gc
import math
from collections.abc import Iterator
from datetime import datetime, timedelta

from jobsmith.cron.plan import plan_schedule
from jobsmith.cron.runs import to_minute
from jobsmith.forecast.analysis import (
    DEFAULT_MAX_WAIT,
    Forecast,
    label_figures,
    warnings_for,
)
from jobsmith.forecast.durations import Durations
from jobsmith.forecast.model import AgentKind, build_models
from jobsmith.forecast.simulate import simulate
from jobsmith.spec.model import JobSpec


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while the forecast builds its records: hundreds of
    thousands of live objects and no garbage, which a collection walks for nothing
    (a third of the time of a large forecast, a quarter of loading 10,000 specs)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def forecast_jobs(
    jobs: dict[str, JobSpec],
    start: datetime,
    hours: float,
    *,
    agents: list[AgentKind] | None = None,
    durations: Durations | None = None,
    controller_zone: str = "UTC",
    max_wait: float = DEFAULT_MAX_WAIT,
    advice: bool = True,
) -> Forecast:
    """Simulate the Jenkins queue for `hours` from `start` (see docs/forecast.md)."""
    with gc_paused():
        return _forecast(jobs, start, hours, agents, durations or Durations(),
                         controller_zone, max_wait, advice)


def _forecast(jobs: dict[str, JobSpec], start: datetime, hours: float,
              agents: list[AgentKind] | None, durations: Durations, controller_zone: str,
              max_wait: float, advice: bool) -> Forecast:
    end = start + timedelta(hours=hours)
    scheduled = [(name, job) for name, job in jobs.items()
                 if job.schedule is not None and not job.disabled]
    plan = plan_schedule(  # (each spec resolved its schedule when it was validated)
        [(name, job.schedule) for name, job in scheduled if job.schedule is not None],
        start, end, controller_zone,
        resolved={name: drawn for name, job in scheduled if job.full_name == name
                  and (drawn := job.resolved_schedule) is not None},
    )
    planned = {job.full_name: job.runs for job in plan.jobs}
    models = build_models(jobs, start, end, durations, controller_zone, planned)
    first = math.ceil(to_minute(start)) * 60
    last = math.ceil(to_minute(end)) * 60
    kinds = list(agents or [])
    outcome = simulate(models, kinds, last, first)
    labels = label_figures(models, outcome, max_wait, last, first, advice=advice)
    warnings = warnings_for(models, outcome, plan)
    return Forecast(first, last, controller_zone, models, outcome, labels, warnings, plan,
                    max_wait, durations.source, bool(agents))

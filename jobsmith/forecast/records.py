"""What a simulation records: runs, their node requests, the outcome.

Plain slotted classes, not dataclasses: a forecast of 10,000 jobs creates hundreds of
thousands of them, and what it sets is all it pays for.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from jobsmith.forecast.model import AgentKind, JobModel
from jobsmith.forecast.tables import Tables


class Run:
    """One build: from the queue item that became it to its end.

    While a one-branch step waits for or holds an executor, the run itself is the
    node request (`cls`, `entered`, `seconds`, `kind`, `agent`); other steps have
    `pieces`. `done` marks a run aborted by `replace` (its queue entries are stale).
    """

    __slots__ = (
        "agent",
        "cls",
        "created",
        "done",
        "due",
        "end",
        "entered",
        "folded",
        "folds",
        "j",
        "job",
        "kind",
        "left",
        "model",
        "outcome",
        "pieces",
        "seconds",
        "seq",
        "start",
        "step",
        "waits",
    )
    agent: int
    entered: int  # (these three are set before they are read)
    seconds: int
    left: int

    def __init__(self, j: int, model: JobModel, due: float, folded: int, created: float,
                 seq: int, folds: Sequence[float]) -> None:
        self.j = j
        self.job = model.name
        self.model = model
        self.due = due
        self.folded = folded
        self.created = created
        self.seq = seq
        self.folds = folds  # when each folded tick came
        self.start: float | None = None
        self.end: float | None = None
        self.outcome = "ran"  # ran, skipped, replaced, failed, stuck
        self.waits: dict[int, float] = {}  # kind -> seconds waited for such an agent
        self.step = -1
        self.kind = self.agent = -1
        self.pieces: list[Piece] | None = None
        self.done = False
        self.cls = -1  # (entered, seconds and left are set before they are read)

    @property
    def expected(self) -> float:
        return self.model.expected

    @property
    def max_duration(self) -> float | None:
        return self.model.max_duration

    @property
    def wait_s(self) -> float | None:
        """Time lost to waiting: queue, lock and agents (end - due - expected)."""
        if self.end is None:
            return None
        if self.outcome != "ran":
            return max((self.start if self.start is not None else self.end) - self.due, 0.0)
        return max(self.end - self.due - self.model.expected, 0.0)

    @property
    def late(self) -> bool:
        limit = self.model.max_duration
        return limit is not None and self.end is not None and self.end > self.due + limit

    def __repr__(self) -> str:
        return (f"Run({self.job!r}, due={self.due}, start={self.start}, end={self.end}, "
                f"folded={self.folded}, outcome={self.outcome!r})")


class Piece:
    """A node request of a branch of a step with several (or of an `on_each` stage)."""

    __slots__ = ("agent", "cls", "done", "entered", "kind", "label", "run", "seconds")

    def __init__(self, run: Run, cls: int, seconds: int, entered: int, label: str) -> None:
        self.run = run
        self.cls = cls
        self.seconds = seconds
        self.entered = entered
        self.label = label
        self.kind = self.agent = -1
        self.done = False


class JobFigures(NamedTuple):
    """What the table (and the warnings) show of a job's runs."""

    ran: int  # runs neither skipped nor stuck
    folded: int  # ticks folded into its runs
    dropped: int  # runs skipped or replaced
    worst: float | None  # the longest wait (`Run.wait_s`; None: a run never ends)
    late: int  # runs that end after due + max_duration
    first_late: float | None  # the due time of the first of them
    starts: list[float]  # when its shown runs started, in the order of the runs


NO_RUNS = JobFigures(0, 0, 0, 0.0, 0, None, [])


def job_figures(job: JobModel, runs: list[Run]) -> JobFigures:
    """A job's figures, in one pass over its runs (there may be millions)."""
    ran = folded = dropped = late = 0
    worst: float | None = 0.0
    first_late = None
    starts = []
    limit, expected = job.max_duration, job.expected
    for run in runs:  # (Run.late and Run.wait_s, inline)
        folded += run.folded
        end = run.end
        if limit is not None and end is not None and end > run.due + limit:
            if not late:
                first_late = run.due
            late += 1
        outcome = run.outcome
        if outcome == "ran" and end is not None:
            wait: float | None = end - run.due - expected  # (below 0: no wait)
        elif outcome == "skipped":
            dropped += 1
            continue
        else:
            dropped += outcome == "replaced"
            wait = run.wait_s
        if wait is None:
            worst = None
        elif worst is not None and wait > worst:
            worst = wait
        if outcome != "stuck":
            ran += 1
            if run.start is not None:
                starts.append(run.start)
    return JobFigures(ran, folded, dropped, worst, late, first_late, starts)


@dataclass
class Outcome:
    runs: list[Run]
    kinds: list[AgentKind]
    busy: list[list[int]]  # per kind, per minute from `origin`: most executors busy
    waiting: list[list[int]]  # per kind, per minute: most requests waiting
    peak: list[int]
    origin: int  # epoch seconds of minute 0
    stuck: dict[str, str]  # job -> label that no agent carries
    demand: list[dict[int, int]]  # per kind: minute -> requests that entered then
    delayed: list[dict[int, int]]  # per kind: minute -> those of them that waited
    # the simulation's tables, for the advice's simulations of the same jobs and kinds
    tables: Tables | None = field(default=None, repr=False, compare=False)

    @functools.cached_property
    def by_job(self) -> dict[str, list[Run]]:
        """Each job's runs, in the order of `runs` (the table and the warnings use it)."""
        found: dict[str, list[Run]] = {}
        for run in self.runs:
            runs = found.get(run.job)
            if runs is None:
                found[run.job] = [run]
            else:
                runs.append(run)
        return found

    @functools.cached_property
    def figures(self) -> dict[str, JobFigures]:
        """Per job with runs, its figures (`job_figures`), worked out once."""
        return {name: job_figures(runs[0].model, runs) for name, runs in self.by_job.items()}

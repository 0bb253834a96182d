"""What a simulation knows of its jobs and kinds of agent that never changes while it
runs: jobs, locks, throttles and request classes by number, each job's steps and ticks.

Built once per forecast and shared by its simulations: the forecast's own and the
advice's checks (the same jobs and kinds of agent, other counts). Not shared when a
job has an `on_each` stage: there a simulation adds request classes as it goes.
"""

from __future__ import annotations

from jobsmith.forecast.agents import Classes
from jobsmith.forecast.model import AgentKind, JobModel

QUEUE, SKIP, REPLACE, PARALLEL = range(4)
POLICIES = {"queue": QUEUE, "skip": SKIP, "replace": REPLACE, "parallel": PARALLEL}
# A request's place in the queue, as one integer: priority, then when it entered (seconds
# from the origin), then its run's number, then its branch and its agent (on_each).
PRIORITY_AT, TIME_AT, RUN_AT = 96, 64, 32


def matching(kinds: list[AgentKind]) -> tuple[tuple[str, frozenset[str], bool, int], ...]:
    """What of the kinds decides the request classes and the steps' tables."""
    return tuple((k.label, k.labels, k.count < 0, k.executors) for k in kinds)


class Tables:
    def __init__(self, jobs: list[JobModel], kinds: list[AgentKind]) -> None:
        self.jobs, self.matching = jobs, matching(kinds)
        # Jobs by number, in name order: the order in which Jenkins' timer thread meets
        # them, PrioritySorter's last tie-break for items that entered the same second.
        self.models = sorted(jobs, key=lambda job: job.name)
        number = {job.name: j for j, job in enumerate(self.models)}
        self.classes = classes = Classes(kinds)
        self.on_each = any(b.on_each for job in jobs for step in job.steps for b in step)
        locks: dict[str, int] = {}
        throttles: dict[str, int] = {}
        self.limit: list[int] = []  # per job: its throttle's max_total
        self.priority: list[int] = []
        self.policy: list[int] = []
        self.lock: list[int] = []
        self.throttle: list[int] = []
        self.downstream: list[tuple[int, ...]] = []
        # per job, per step: (class, seconds) for one branch on a label, else None
        self.simple: list[tuple[tuple[int, int] | None, ...]] = []
        # per job, per step: its branches as (class, seconds, on_each class or -1)
        self.steps: list[tuple[tuple[tuple[int, int, int], ...], ...]] = []
        for job in self.models:
            self.priority.append(job.priority << PRIORITY_AT)
            self.policy.append(POLICIES[job.concurrency])
            self.lock.append(-1 if job.lock is None else locks.setdefault(job.lock, len(locks)))
            if job.throttle is None:
                self.throttle.append(-1)
                self.limit.append(0)
            else:  # (the limit is the job's own: jobs of a category may differ)
                self.throttle.append(throttles.setdefault(job.throttle[0], len(throttles)))
                self.limit.append(job.throttle[1])
            # (tuples made from lists: a generator costs more, for 10,000 jobs)
            self.downstream.append(tuple([number[name] for name in job.downstream
                                          if name in number]))
            steps = tuple([tuple([(classes.of(b.label), int(b.seconds),
                                   -1 if b.on_each is None else classes.of(b.on_each))
                                  for b in step]) for step in job.steps])
            self.steps.append(steps)
            self.simple.append(tuple([  # (a label no agent carries: its own way, as pieces)
                step[0][:2] if len(step) == 1 and step[0][2] < 0 and
                classes.kinds_of[step[0][0]] else None for step in steps]))
        self.locks, self.throttles = len(locks), len(throttles)
        # per throttle: the max_total all its jobs share (-1 when they differ, or when one
        # is `replace`: its build may free a place as it takes one), and its `skip` jobs
        self.shared_limit = [-1] * len(throttles)
        self.skipping: list[frozenset[int]] = [frozenset()] * len(throttles)
        limits: dict[int, set[int]] = {}
        for j, (key, limit) in enumerate(zip(self.throttle, self.limit, strict=True)):
            if key >= 0:
                limits.setdefault(key, set()).add(-1 if self.policy[j] == REPLACE else limit)
                if self.policy[j] == SKIP:
                    self.skipping[key] |= {j}
        for key, found in limits.items():
            if len(found) == 1:
                self.shared_limit[key] = found.pop()
        # per job: no lock, no throttle, no `after` jobs (nothing to do at its start and end)
        self.plain = [lock < 0 and throttle < 0 and not downstream for lock, throttle, downstream
                      in zip(self.lock, self.throttle, self.downstream, strict=True)]
        # per job: the first step's (class, seconds) when the job is plain and the step
        # simple (a build of it starts as `Simulation.start_items` does it, inline), else None
        self.opening = [simple[0] if plain and simple else None
                        for plain, simple in zip(self.plain, self.simple, strict=True)]
        # per job: its number of steps when it is plain (its build ends as the loop of
        # `Simulation.run` does it, inline, once its last step ends), else -1
        self.closing = [len(simple) if plain else -1
                        for plain, simple in zip(self.plain, self.simple, strict=True)]
        # instant -> jobs that fire then (not changed: a simulation pops from its own copy;
        # in no particular order), from the jobs sharing one tuple of fire times at once
        sharing: dict[int, tuple[tuple[int, ...], list[int]]] = {}
        for j, job in enumerate(self.models):
            sharing.setdefault(id(job.fires), (job.fires, []))[1].append(j)
        self.ticks: dict[int, list[int]] = {}
        once: set[int] = set()  # jobs none of whose ticks come at the same instant
        for fires, numbers in sharing.values():
            for fire in fires:
                self.ticks.setdefault(int(fire), []).extend(numbers)
            if len(set(map(int, fires))) == len(fires):
                once.update(numbers)
        # per job: whether a tick of it that finds no build running and no item waiting
        # starts a build at once without an item (`Simulation.start_items`): the job has
        # an `opening`, and nothing else schedules it (no `after`, no second tick then)
        targets = {child for children in self.downstream for child in children}
        self.direct = [opening is not None and j in once and j not in targets
                       for j, opening in enumerate(self.opening)]
        # per job: the parts of PrioritySorter's key of its item that do not change,
        # priority and job (the time in queue goes between)
        self.order_base = [(priority >> 40) + j for j, priority in enumerate(self.priority)]

    def serve(self, jobs: list[JobModel], kinds: list[AgentKind]) -> bool:
        """Whether these tables are those of a simulation of `jobs` with `kinds`."""
        return jobs is self.jobs and matching(kinds) == self.matching and not self.on_each

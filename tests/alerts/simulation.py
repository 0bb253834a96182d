"""A month of builds played against the Sensu model, through jobsmith's own code.

What is jobsmith's own here (nothing of it is re-implemented):
- the TTL a job's results carry: `generator.ttl.expectation` of the job's real spec,
  loaded by `spec.load_tree`; the fire times: `cron.runs_between` of its schedule;
- the build's one result: each build ends with the finish step exactly as the generated
  pipeline calls it (`generator.steps.finish_command`, its variables expanded as `sh`
  does), `wrapper.options.parse_args` of that command line and then
  `wrapper.finish.finish_build` (outcome, status, TTL, ordering, outbox, delivery), with
  only the wall clock replaced by the virtual one; a failed stage hands its record
  (`wrapper.build.part_record`) over in `JOBSMITH_FAILED_PART`, as the pipeline does;
- seed runs: the real `generate` and `jobsmith expect` (tests/alerts/seeding.py);
- delivery: real TCP (Sensu 1.x) or HTTP (Sensu Go) to the strict fake Sensu of
  tests/wrapper/fake_sensu.py, one real outbox directory per agent. "Sensu down" is a
  port that refuses; "slow" is the fake answering after 3 s (so the wrapper waits its
  real 2 s budget: keep slow periods short);
- the deploy kit's drain timer: every 10 s each agent that is up runs the real
  `wrapper.drain.drain_outbox` (`jobsmith run --drain`), tests/alerts/fleet.py.

What the result reaches is fed, at the virtual time it was accepted, to `SensuModel`.
Jenkins is modelled: fire times become builds by the scenario (queue folding, lock
waits inside the build, aborts), with `executed` = the build's start as the pipeline
passes `currentBuild.startTimeInMillis`.

Scoring, per scenario: a *bad* period is one where an alert is due: from a failed
build's end to the end of the next build that succeeded, and the periods the scenario
declares (runs that never happened, measured from the declared limits). An alert
outside every bad period is **false**, unless it is one of two kinds reported apart:
**stranded**, a missed-run alert raised while every newer result of the check sat in
outboxes of agents that were down (true: the check's news really is missing, and
would be lost for good if those machines never came back), or **outage**, any other
alert Sensu raised after an outage of its own before it had received a result of that
check since (the drain timer exists to make these 0). A bad period in which the check
never alerted, or was resolved before it ended, is **missed** (unless it lay wholly
within an outage of Sensu, when nothing could alert: its result must then be kept, as
history). A build whose result
neither reached Sensu nor was kept as history (`<outbox>/superseded/`) nor waits in an
outbox is **lost**.
"""

from __future__ import annotations

import json
import shlex
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from jobsmith.cron import runs_between
from jobsmith.generator.render import missed_run_ttl
from jobsmith.generator.steps import finish_command
from jobsmith.generator.ttl import Expectation, expectation
from jobsmith.spec import load_tree
from jobsmith.spec.model import JobSpec
from jobsmith.wrapper.alerts import check_name
from jobsmith.wrapper.build import FAILED_PART_VARIABLE, part_record
from jobsmith.wrapper.finish import finish_build
from jobsmith.wrapper.options import parse_args
from jobsmith.wrapper.process import AttemptOutcome
from jobsmith.wrapper.runner import RunReport
from jobsmith.wrapper.settings import AgentSettings, parse_sensu_url
from tests.alerts.fleet import Fleet
from tests.alerts.sensu_model import EVALUATE_EVERY, SensuModel
from tests.support.ports import refused_port
from tests.wrapper.fake_sensu import FakeSensu

START = datetime(2026, 3, 2, tzinfo=UTC).timestamp()  # a Monday
DAY = 86400.0
HOUR = 3600.0
SLOW_ANSWER = 3.0
BOOTED = START - DAY  # when the agents started, unless a scenario takes one down


@dataclass
class Build:
    job: str
    fire: float  # the fire time it serves (the first of any folded ticks)
    start: float  # Jenkins' startTimeInMillis / 1000: the result's `executed`
    end: float  # when its finish step runs
    result: str  # Jenkins' currentBuild.currentResult
    agent: str  # where the finish step runs (and its outbox)
    failed_stage: str | None = None  # the failed part's record, when it wrote one
    number: int = 0


@dataclass
class Scenario:
    name: str
    jobs: dict[str, dict[str, Any]]  # full name -> spec
    builds: Callable[[dict[str, JobSpec]], list[Build]]
    missing: Callable[[dict[str, JobSpec]], list[tuple[str, float, float]]] = (
        lambda jobs: [])  # (job, from, to): runs due that never happened
    days: int = 30
    flavour: str = "1.x"  # or "go"
    down: list[tuple[float, float]] = field(default_factory=list)  # Sensu down
    slow: list[tuple[float, float]] = field(default_factory=list)  # answers in 3 s
    before_build: Callable[[Build, Path], None] | None = None  # e.g. a reboot's damage
    # Seed runs: the specs change at these times (a spec None: removed), and the seed's
    # `jobsmith expect` runs then, and at the start (tests/alerts/seeding.py).
    changes: list[tuple[float, dict[str, dict[str, Any] | None]]] | None = None
    # Agents down (rebooting): (agent, from, to). No build ends there, it does not drain,
    # and it has started again at `to` (the drain's boot time).
    agents_down: list[tuple[str, float, float]] = field(default_factory=list)


@dataclass
class Score:
    scenario: str
    builds: int
    sent: int
    false: int
    missed: int
    lost: int
    outage: int
    twice: int
    waiting: int
    stranded: int
    notes: list[str] = field(default_factory=list)


def load_jobs(specs: dict[str, dict[str, Any]], root: Path) -> dict[str, JobSpec]:
    """The specs as `jobsmith` loads them, from files below `root/jobs`."""
    tree = root / "jobs"
    tree.mkdir(parents=True, exist_ok=True)
    for name, spec in specs.items():
        path = tree / f"{name}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(spec))
    return dict(load_tree(tree).jobs)


def fires(job: JobSpec, start: float, end: float) -> list[float]:
    """The job's fire times in [start, end), as Jenkins computes them."""
    assert job.schedule is not None
    resolved = job.schedule.resolve(job.full_name)
    return [t.timestamp() for t in runs_between(resolved, _utc(start), _utc(end))]


def finish_argv(job: JobSpec, build: Build, previous: str | None) -> list[str]:
    """The arguments after `jobsmith run` of the generated pipeline's finish step
    (`generator.steps.finish_command`), its `"$VARIABLE"`s expanded as `sh` does."""
    values = {"JOBSMITH_BUILD_RESULT": build.result,
              "JOBSMITH_BUILD_STARTED": str(int(build.start * 1000)),
              "BUILD_NUMBER": str(build.number), "JOBSMITH_PREVIOUS_RESULT": previous or ""}
    script = finish_command(job, missed_run_ttl(job))
    for name, value in values.items():
        script = script.replace(f'"${name}"', shlex.quote(value))
    argv = shlex.split(script)
    assert argv[:2] == ["jobsmith", "run"] and "$" not in script, script
    return argv[2:]


def failed_part(build: Build) -> dict[str, Any] | None:
    """The record the failed `--stage` part wrote (None: it wrote none, e.g. killed)."""
    if build.result != "FAILURE" or build.failed_stage is None:
        return None
    report = RunReport(build.job, AttemptOutcome(3, duration=60.0), attempts=1, timeouts=0,
                       duration=60.0, started_at=build.start)
    line = f"{build.job}: {build.failed_stage} failed (exit 3)"
    return part_record(report, build.failed_stage, line, b"Traceback: disk full\n")


class Player:
    """One scenario's month: Jenkins' builds -> finish steps -> fake Sensu -> model."""

    def __init__(self, scenario: Scenario, root: Path) -> None:
        self.s = scenario
        self.root = root
        self.model = SensuModel(flavour=scenario.flavour)
        self.fake = FakeSensu()
        self.refused = f"tcp://127.0.0.1:{refused_port()}"
        self.seen = 0
        self.arrivals: dict[str, list[float]] = {}
        self.notes: list[str] = []
        self.versions: list[tuple[float, dict[str, JobSpec]]] = []
        self.fleet = Fleet(root, scenario.agents_down, BOOTED, START)

    def close(self) -> None:
        self.fake.close()

    def is_down(self, now: float) -> bool:
        return any(a <= now < b for a, b in self.s.down)

    def url(self, now: float) -> str:
        if self.is_down(now):
            return self.refused
        return self.fake.http_url if self.s.flavour == "go" else self.fake.tcp_url

    def settings(self, agent: str, now: float) -> AgentSettings:
        url = self.url(now)
        self.fake.answer_delay = SLOW_ANSWER if any(a <= now < b for a, b in self.s.slow) else 0
        return AgentSettings(sensu=parse_sensu_url(url), outbox=str(self.fleet.outbox(agent)))

    def finish(self, build: Build, previous: str | None) -> None:
        """The build's finish step, with the pipeline its build started with."""
        assert not self.fleet.is_down(build.agent, build.end), build
        jobs = [jobs for at, jobs in self.versions if at <= build.start][-1]
        options = parse_args(finish_argv(jobs[build.job], build, previous))
        part = failed_part(build)
        environ = {FAILED_PART_VARIABLE: json.dumps(part)} if part else {}
        said: list[str] = []
        finish_build(options, self.settings(build.agent, build.end), environ, said.append,
                     wall_clock=lambda: build.end)
        self.collect(build.end)
        self.fleet.note_pending(build.agent)

    def collect(self, now: float) -> None:
        """What the fake accepted since the last look arrived at `now`."""
        accepted = self.fake.wait_for(self.seen, timeout=0)
        for check in accepted[self.seen:]:
            self.model.receive(check, now)
        self.seen = len(accepted)

    def play(self) -> Score:
        jobs = load_jobs(self.s.jobs, self.root)
        self.versions.append((START, jobs))
        end = START + self.s.days * DAY
        builds = sorted(self.s.builds(jobs), key=lambda b: (b.start, b.job))
        numbers: dict[str, int] = {}
        for build in builds:
            numbers[build.job] = build.number = numbers.get(build.job, 0) + 1
        builds = [b for b in builds if b.end < end]  # the others end next month
        events: list[tuple[float, int, Any]] = [(b.end, 1, b) for b in builds]
        for a, b in self.s.down:
            events += [(a, 0, ("down", a)), (b, 0, ("up", b))]
        specs: dict[str, dict[str, Any] | None] = dict(self.s.jobs)
        if self.s.changes is not None:
            from tests.alerts.seeding import Seed

            seed = Seed(self.root)
            events.append((START, 0, ("seed", dict(specs))))
            for at, change in self.s.changes:
                specs = {**specs, **change}
                events.append((at, 0, ("seed", {k: v for k, v in specs.items() if v})))
        events.sort(key=lambda e: (e[0], e[1]))
        self.fleet.agents = sorted({b.agent for b in builds}
                             | ({"seed"} if self.s.changes is not None else set()))
        done: dict[str, list[Build]] = {}
        now, index = START, 0
        while now < end:
            batch = []
            while index < len(events) and events[index][0] < now + EVALUATE_EVERY:
                batch.append(events[index])
                index += 1
            if batch or self.fleet.pending:
                batch += self.fleet.ticks(now, now + EVALUATE_EVERY)
                batch.sort(key=lambda e: (e[0], e[1]))
            for at, _, what in batch:
                if isinstance(what, Build):
                    previous = previous_result(done.get(what.job, []), what)
                    if self.s.before_build is not None:
                        self.s.before_build(what, self.root)
                    self.finish(what, previous)
                    done.setdefault(what.job, []).append(what)
                elif what[0] == "seed":
                    if at > START:
                        self.versions.append((at, load_jobs(what[1], self.root / f"v{at}")))
                    environ = {"JOBSMITH_SENSU": self.url(at),
                               "JOBSMITH_OUTBOX": str(self.root / "agents" / "seed" / "outbox")}
                    seed.run(at, what[1], builds, environ)
                    self.collect(at)
                    self.fleet.note_pending("seed")
                elif what[0] == "drain":
                    self.fleet.drain(what[1], at, self.is_down(at), self.settings, self.collect)
                elif what[0] == "down":
                    self.model.go_down(at)
                else:
                    self.model.come_back(at)
            now += EVALUATE_EVERY
            raised = len(self.model.alerts)
            self.model.tick(now)
            self.fleet.mark_stranded(self.model, raised, now)
        return self.score(jobs, builds, end)

    def score(self, jobs: dict[str, JobSpec], builds: list[Build], end: float) -> Score:
        bad = _merge(failure_periods(builds, end) + [
            (job, a, b) for job, a, b in self.s.missing(jobs)])
        names = {check_name(name): name for name in jobs}
        false = outage = missed = stranded = 0
        for number, alert in enumerate(self.model.alerts):
            job = names.get(alert.key[1], "")
            if any(j == job and a <= alert.at <= b for j, a, b in bad):
                continue
            if number in self.fleet.stranded:
                stranded += 1
                self.notes.append(f"stranded (true) {alert.kind} at {_iso(alert.at)} "
                                  f"({job}): its newer results wait on agents that are down")
            elif self.after_outage(alert.key[1], alert.at):
                outage += 1
            else:
                false += 1
                self.notes.append(f"false {alert.kind} at {_iso(alert.at)} "
                                  f"({job}): {alert.detail}")
        for job, a, b in bad:
            if any(d0 <= a and b <= d1 for d0, d1 in self.s.down):
                self.notes.append(f"unobservable: {job} {_iso(a)} .. {_iso(b)}, all while "
                                  "Sensu was down (its result is kept as history)")
                continue
            if not self.alerting_within(check_name(job), a, b):
                missed += 1
                self.notes.append(f"missed: {job} {_iso(a)} .. {_iso(b)}")
        received = [(c.get("job"), c.get("build")) for c in self.model.received]
        history, waiting = self.outboxes()
        lost = sum(1 for b in builds if (b.job, b.number) not in set(received) | history
                   | waiting)
        # The same result twice (a seed run's restatement of a build is another result).
        same = [(c.get("job"), c.get("build"), c.get("output")) for c in self.model.received]
        twice = len(same) - len(set(same))
        return Score(self.s.name, len(builds), len(received), false, missed, lost, outage,
                     twice, sum(1 for b in builds if (b.job, b.number) in waiting),
                     stranded, self.notes)

    def after_outage(self, check: str, at: float) -> bool:
        """Whether `at` lies between an outage's start and the check's first result
        Sensu received after it."""
        for a, b in self.s.down:
            arrivals = [r for r in self.model.arrivals(check) if r >= b]
            if a <= at <= (arrivals[0] if arrivals else float("inf")):
                return True
        return False

    def alerting_within(self, check: str, a: float, b: float) -> bool:
        """Whether the check alerted in [a, b] and, once it did, stayed alerting until
        `b` (a result that resolved it while the problem lasted hid it)."""
        state, raised = False, False
        for at, name, alerting in self.model.timeline:
            if name != check:
                continue
            if at >= b:
                break
            if at >= a and raised and not alerting:
                return False  # resolved while still bad
            state = alerting
            raised = raised or (state and at >= a)
        return raised or state

    def outboxes(self) -> tuple[set[tuple[Any, Any]], set[tuple[Any, Any]]]:
        history: set[tuple[Any, Any]] = set()
        waiting: set[tuple[Any, Any]] = set()
        for path in (self.root / "agents").glob("*/outbox/**/*"):
            if not path.is_file() or "/.sent/" in str(path) or path.name.endswith(".reason"):
                continue
            check = json.loads(path.read_text())
            key = (check.get("job"), check.get("build"))
            (history if path.parent.name == "superseded" else waiting).add(key)
        return history, waiting


def previous_result(done: list[Build], build: Build) -> str | None:
    """`--previous-result` as the pipeline's finish step computes it: from Jenkins'
    `previousCompletedBuild` back past aborted and not-built builds."""
    for past in sorted(done, key=lambda b: -b.number):
        if past.number < build.number and past.result not in ("ABORTED", "NOT_BUILT"):
            return past.result
    return None


def failure_periods(builds: list[Build], end: float) -> list[tuple[str, float, float]]:
    """From each failed build's end to the end of the job's next successful build."""
    periods = []
    for build in builds:
        if build.result != "FAILURE":
            continue
        later = [b.end for b in builds if b.job == build.job and b.number > build.number
                 and b.result in ("SUCCESS", "UNSTABLE")]
        periods.append((build.job, build.end, min(later) if later else end))
    return periods


def play(scenario: Scenario) -> Score:
    with tempfile.TemporaryDirectory(prefix="jobsmith-sim-") as directory:
        player = Player(scenario, Path(directory))
        try:
            return player.play()
        finally:
            player.close()


def expected(jobs: dict[str, JobSpec], name: str) -> Expectation:
    found = expectation(jobs[name])
    assert found is not None, f"{name} has no missed-run expectation"
    return found


def _merge(periods: list[tuple[str, float, float]]) -> list[tuple[str, float, float]]:
    merged: list[tuple[str, float, float]] = []
    for job, a, b in sorted(periods):
        if merged and merged[-1][0] == job and a <= merged[-1][2]:
            merged[-1] = (job, merged[-1][1], max(b, merged[-1][2]))
        else:
            merged.append((job, a, b))
    return merged


def _utc(instant: float) -> datetime:
    return datetime.fromtimestamp(instant, UTC)


def _iso(instant: float) -> str:
    return _utc(instant).strftime("%m-%d %H:%M")


"""The scenarios: job specs, and the builds Jenkins makes of their fire times.

Every build stays within what its spec declares (a run takes at most the job's longest
run, `expectation().longest_run`; a lock wait at most `alerts.max_wait`): a missed-run
alert is then always false. Builds come from the real fire times (`simulation.fires`)
through `queue`, which follows Jenkins for `concurrency: queue`: while a build runs, the
next tick waits as one queue item and later ticks fold into it (`Queue.schedule2`,
`CauseAction.foldIntoExisting`). A lock is taken inside the build (lockable-resources'
`lock` step), so its wait is part of the build. Random draws use a fixed seed per
scenario: the same builds on every run.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jobsmith.spec.model import JobSpec
from tests.alerts.simulation import (
    DAY,
    HOUR,
    START,
    Build,
    Scenario,
    expected,
    fires,
    load_jobs,
)

MINUTE = 60.0
REPO = Path(__file__).resolve().parents[2]
# A run: (queue wait, duration, Jenkins result, agent, failed stage) for a fire time.
Run = tuple[float, float, str, str, str | None]


def queue(job: JobSpec, start: float, end: float, run: Callable[[float], Run]) -> list[Build]:
    """`concurrency: queue`: one build at a time, ticks folded while one waits."""
    times = fires(job, start, end)
    builds: list[Build] = []
    free = start
    index = 0
    while index < len(times):
        fire = times[index]
        wait, duration, result, agent, stage = run(fire)
        begin = max(fire + wait, free)
        index += 1
        while index < len(times) and times[index] <= begin:
            index += 1  # folded into the waiting item
        builds.append(Build(job.full_name, fire, begin, begin + duration, result, agent, stage))
        free = begin + duration
    return builds


def streaks(rng: random.Random, rate: float) -> Callable[[], bool]:
    """Failures that come in streaks of 1-3 builds (a failure, then recovery)."""
    left = 0

    def failing() -> bool:
        nonlocal left
        if left == 0 and rng.random() < rate:
            left = rng.randint(1, 3)
        if left:
            left -= 1
            return True
        return False

    return failing


def ordinary(name: str, stages: list[str], rate: float = 0.08, agents: int = 1,
             seed: int = 1) -> Callable[[dict[str, JobSpec]], list[Build]]:
    """Builds of any length up to the bound, failing in streaks in a random stage."""

    def builds(jobs: dict[str, JobSpec]) -> list[Build]:
        rng = random.Random(seed)
        bound = expected(jobs, name).longest_run
        failing = streaks(rng, rate)

        def run(fire: float) -> Run:
            duration = bound if rng.random() < 0.05 else rng.uniform(0.05, 1.0) * bound
            agent = f"agent-{rng.randrange(agents)}"
            if failing():
                return 0.0, duration, "FAILURE", agent, rng.choice(stages)
            return 0.0, duration, "SUCCESS", agent, None

        return queue(jobs[name], START, START + 30 * DAY, run)

    return builds


def replace_builds(jobs: dict[str, JobSpec]) -> list[Build]:
    """`concurrency: replace`: a run still going at the next tick is superseded
    (NOT_BUILT, `abortPrevious`); now and then someone aborts one (ABORTED)."""
    rng = random.Random(4)
    job = jobs["replaced"]
    bound = expected(jobs, "replaced").longest_run
    failing = streaks(rng, 0.05)
    builds: list[Build] = []
    times = fires(job, START, START + 30 * DAY)
    for fire, following in zip(times, [*times[1:], times[-1] + HOUR], strict=True):
        duration = rng.uniform(0.1, 1.0) * bound
        if fire + duration > following:
            builds.append(Build("replaced", fire, fire, following, "NOT_BUILT", "agent-0"))
        elif rng.random() < 0.04:
            builds.append(Build("replaced", fire, fire, fire + duration / 2, "ABORTED",
                                "agent-0"))
        elif failing():
            builds.append(Build("replaced", fire, fire, fire + duration, "FAILURE", "agent-0",
                                "main"))
        else:
            builds.append(Build("replaced", fire, fire, fire + duration, "SUCCESS", "agent-0"))
    return builds


def skip_builds(jobs: dict[str, JobSpec]) -> list[Build]:
    """`concurrency: skip`: a tick while a build runs makes a build that ends at once
    as NOT_BUILT (the skip guard); the running one carries on."""
    rng = random.Random(5)
    job = jobs["skipped"]
    bound = expected(jobs, "skipped").longest_run
    failing = streaks(rng, 0.06)
    builds: list[Build] = []
    busy_until = START
    for fire in fires(job, START, START + 30 * DAY):
        if fire < busy_until:
            builds.append(Build("skipped", fire, fire, fire + 5, "NOT_BUILT", "agent-0"))
            continue
        duration = bound if rng.random() < 0.1 else rng.uniform(0.1, 1.0) * bound
        result, stage = ("FAILURE", "main") if failing() else ("SUCCESS", None)
        builds.append(Build("skipped", fire, fire, fire + duration, result, "agent-0", stage))
        busy_until = fire + duration
    return builds


def lock_builds(jobs: dict[str, JobSpec]) -> list[Build]:
    """Every night another job holds the lock from 01:00 to 03:00: a run that starts in
    that window waits for it inside the build, and the ticks meanwhile wait as one queue
    item (`concurrency: queue`). Every third night a third job, waiting since 02:30,
    takes the lock as soon as that run lets it go and holds it for two hours more: the
    next run waits again. No wait is longer than `alerts.max_wait` (2 h)."""
    rng = random.Random(6)
    bound = expected(jobs, "locked").longest_run
    builds: list[Build] = []
    free = held_until = START
    times = fires(jobs["locked"], START, START + 30 * DAY)
    index = 0
    while index < len(times):
        begin = max(times[index], free)
        first = times[index]
        while index < len(times) and times[index] <= begin:
            index += 1  # folded into the waiting item
        day, into_day = divmod(begin - START, DAY)
        nightly = HOUR <= into_day < 3 * HOUR
        wait = 3 * HOUR - into_day if nightly else max(held_until - begin, 0.0)
        free = begin + wait + rng.uniform(0.1, 1.0) * bound
        if nightly and day % 3 == 0:
            held_until = free + 2 * HOUR
        builds.append(Build("locked", first, begin, free, "SUCCESS", "agent-0"))
    return builds


def kill_while_sending(agent: str, at: float) -> Callable[[Build, Path], None]:
    """Before the first build that ends after `at`: the reboot at `at` killed (SIGKILL)
    a wrapper of `agent` (its drain, as Sensu came back) that had just claimed an entry
    of its outbox (a real process; the kernel drops its lock, as a reboot does). The
    agent is down from `at` on, so nothing touched its outbox since."""
    done: list[bool] = []

    def damage(build: Build, root: Path) -> None:
        if done or build.end < at:
            return
        done.append(True)
        outbox = root / "agents" / agent / "outbox"
        code = ("import os, signal, sys\n"
                "from jobsmith.wrapper.outbox import Outbox\n"
                "box = Outbox(sys.argv[1])\n"
                "names = [n for n in box.pending() if n.endswith('.json')]\n"
                "assert names, 'nothing stored to claim'\n"
                "assert box.claim(names[0]) is not None\n"
                "os.kill(os.getpid(), signal.SIGKILL)\n")
        killed = subprocess.run([sys.executable, "-c", code, str(outbox)], check=False,
                                env=dict(os.environ, PYTHONPATH=str(REPO)))
        assert killed.returncode == -signal.SIGKILL, killed
        assert any(".sending-" in name for name in os.listdir(outbox))

    return damage


def reboot_builds(jobs: dict[str, JobSpec]) -> list[Build]:
    """On day 12 agent-0 reboots at 10:20 in the middle of the 10:00 build, and is down
    for 3 minutes: the step's process dies with it, so no part record; Jenkins fails the
    build and its finish step runs on agent-1. The builds of the three hours before ran
    on agent-0 while Sensu was down, so its outbox holds their results, and Sensu comes
    back as agent-0 goes down: nobody can drain them before Sensu's first sweep."""
    builds = ordinary("rebooted", ["main"], rate=0.0, agents=2, seed=7)(jobs)
    for build in builds:
        if REBOOT - 3 * HOUR <= build.end < REBOOT:
            build.agent = "agent-0"
        if build.fire == REBOOT - 20 * MINUTE:
            build.end, build.result, build.agent, build.failed_stage = (
                REBOOT + 2 * MINUTE, "FAILURE", "agent-1", None)
    return builds


def two_jobs(jobs: dict[str, JobSpec]) -> list[Build]:
    """Two hourly jobs sharing three agents."""
    return (ordinary("sync-a", ["main"], rate=0.03, agents=3, seed=8)(jobs)
            + ordinary("sync-b", ["main"], rate=0.03, agents=3, seed=9)(jobs))


def split_after_outage(jobs: dict[str, JobSpec]) -> list[Build]:
    """Two hourly jobs on two agents. Until Sensu comes back on day 11 they run on
    either; for the last two hours of the outage sync-a ran on agent-0 at 23:00 and
    sync-b on agent-1 at 22:00 and agent-0 at 23:00. Then, for a day, sync-a runs only
    on agent-1 and sync-b only on agent-0, so each agent's outbox holds results of a
    job it no longer runs, older than those the other agent delivers meanwhile: at
    00:02 agent-1 (sync-a's 00:00 build) has sync-b's 22:00 result (its TTL ran out),
    at 00:15 agent-0 (sync-b's 00:00 build) has sync-a's 23:00 one (within its TTL)."""
    builds = (ordinary("sync-a", ["main"], rate=0.03, agents=2, seed=11)(jobs)
              + ordinary("sync-b", ["main"], rate=0.03, agents=2, seed=12)(jobs))
    back = START + 10 * DAY
    agents = {("sync-a", -1): "agent-0", ("sync-b", -2): "agent-1", ("sync-b", -1): "agent-0"}
    for build in builds:
        hours = round((build.fire - back) / HOUR)
        if (build.job, hours) in agents:
            build.agent = agents[build.job, hours]
        elif 0 <= hours < 24:
            build.agent = "agent-1" if build.job == "sync-a" else "agent-0"
        if hours == 0:
            build.end = build.start + (2 if build.job == "sync-a" else 15) * MINUTE
    return builds


REBOOT = START + 11 * DAY + 10 * HOUR + 20 * MINUTE
HOURLY = {"schedule": "0 * * * *", "command": "./sync.sh", "timeout": "20m"}

SCENARIOS = [
    Scenario("multi-stage", {"etl": {
        "schedule": "0 * * * *", "stages": [
            {"name": "extract", "command": "x", "timeout": "10m"},
            {"name": "transform", "command": "x", "timeout": "15m"},
            {"name": "load", "command": "x", "timeout": "5m", "retries": 2}]}},
        ordinary("etl", ["extract", "transform", "load"], seed=1)),
    Scenario("parallel, fail_fast", {"checks": {
        "schedule": "*/30 * * * *", "stages": [
            {"name": "prepare", "command": "x", "timeout": "5m"},
            {"fail_fast": True, "parallel": [
                {"name": "check api", "command": "x", "timeout": "10m"},
                {"name": "check cache", "command": "x", "timeout": "12m"}]}]}},
        ordinary("checks", ["check api", "check cache"], seed=2)),
    Scenario("fan-out last", {"deploy": {
        "schedule": "H 2 * * *", "agent": "linux", "stages": [
            {"name": "build", "command": "x", "timeout": "20m"},
            {"name": "roll out", "command": "x", "timeout": "15m", "on_each": "web"}]}},
        ordinary("deploy", ["build", "roll out"], rate=0.15, agents=3, seed=3)),
    Scenario("replace, aborts", {"replaced": {
        "schedule": "0 * * * *", "command": "x", "timeout": "80m",
        "concurrency": "replace"}}, replace_builds),
    Scenario("skip", {"skipped": {
        "schedule": "0 * * * *", "command": "x", "timeout": "65m",
        "concurrency": "skip"}}, skip_builds),
    Scenario("4 agents", {"spread": HOURLY},
             ordinary("spread", ["main"], agents=4, seed=10)),
    Scenario("4 agents, Sensu Go", {"spread": HOURLY},
             ordinary("spread", ["main"], agents=4, seed=10), flavour="go"),
    Scenario("lock held 2h", {"locked": {
        "schedule": "0 * * * *", "command": "x", "timeout": "10m", "lock": "db",
        "alerts": {"max_wait": "2h"}}}, lock_builds),
    Scenario("Sensu down 1d, slow", {"sync-a": HOURLY, "sync-b": HOURLY}, two_jobs,
             down=[(START + 9 * DAY, START + 10 * DAY)],
             slow=[(START + 10 * DAY, START + 10 * DAY + 3 * HOUR)]),
    Scenario("Sensu down 1d, agents split", {"sync-a": HOURLY, "sync-b": HOURLY},
             split_after_outage, down=[(START + 9 * DAY, START + 10 * DAY)]),
    Scenario("agent rebooted", {"rebooted": HOURLY}, reboot_builds,
             down=[(REBOOT - 3 * HOUR, REBOOT)],
             agents_down=[("agent-0", REBOOT, REBOOT + 3 * MINUTE)],
             before_build=kill_while_sending("agent-0", REBOOT)),
]


# Seed runs (tests/alerts/seeding.py): the specs change and the seed's `jobsmith expect`
# tells Sensu what they expect now. Each change lands at 12:30, when no build runs
# (docs/alerts.md, "A build that runs during a seed run").
CHANGE = START + 9 * DAY + 12 * HOUR + 30 * MINUTE
HOURLY_REPORT = {"schedule": "0 * * * *", "command": "./report.sh", "timeout": "20m"}
DAILY_REPORT = dict(HOURLY_REPORT, schedule="0 2 * * *")


def until_change(name: str, spec: dict[str, Any], fail_last: bool = False,
                 then: dict[str, Any] | None = None) -> Callable[[dict[str, JobSpec]], list[Build]]:
    """Hourly builds until the change; then, with `then`, builds of the new spec."""

    def builds(jobs: dict[str, JobSpec]) -> list[Build]:
        rng = random.Random(13)
        bound = expected(jobs, name).longest_run

        def run(fire: float) -> Run:
            return 0.0, rng.uniform(0.1, 1.0) * bound, "SUCCESS", "agent-0", None

        made = queue(jobs[name], START, CHANGE, run)
        if fail_last:
            made[-1].result, made[-1].failed_stage = "FAILURE", "main"
        if then is not None:
            with tempfile.TemporaryDirectory() as directory:
                later = load_jobs({name: then}, Path(directory))[name]
                made += queue(later, CHANGE, START + 30 * DAY, run)
        assert all(b.end < CHANGE or b.start > CHANGE for b in made)
        return made

    return builds


def never_runs(jobs: dict[str, JobSpec]) -> list[tuple[str, float, float]]:
    """The orphan's first run is due by its first fire plus its run bound."""
    first = fires(jobs["orphan"], START, START + DAY)[0]
    return [("orphan", first + expected(jobs, "orphan").run_bound, START + 30 * DAY)]


SEEDED = [
    Scenario("schedule change", {"report": HOURLY_REPORT},
             until_change("report", HOURLY_REPORT, then=DAILY_REPORT),
             changes=[(CHANGE, {"report": DAILY_REPORT})]),
    Scenario("schedule change, failing", {"report": HOURLY_REPORT},
             until_change("report", HOURLY_REPORT, fail_last=True, then=DAILY_REPORT),
             changes=[(CHANGE, {"report": DAILY_REPORT})]),
    Scenario("disable", {"report": HOURLY_REPORT}, until_change("report", HOURLY_REPORT),
             changes=[(CHANGE, {"report": dict(HOURLY_REPORT, disabled=True)})]),
    Scenario("delete", {"report": HOURLY_REPORT, "by-hand": {"command": "./fix.sh"}},
             until_change("report", HOURLY_REPORT), changes=[(CHANGE, {"report": None})]),
    Scenario("never runs", {"orphan": dict(HOURLY_REPORT, agent="gpu")},
             lambda jobs: [], missing=never_runs, changes=[]),
]
SCENARIOS += SEEDED

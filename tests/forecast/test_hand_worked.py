"""Hand-worked queue cases, each checked against what Jenkins' own code does.

Sources read for these rules (jenkinsci repositories):
- core `hudson.model.Queue.scheduleInternal`: a task already in the queue
  (`duplicatesInQueue`) gets the new causes through `FoldableAction.foldIntoExisting`
  (`CauseAction`) instead of a new item; `Queue.maintain` walks `buildables` in the
  QueueSorter's order and leaves an item it cannot map (`loadBalancer.map` null) for
  the next one;
- workflow-job `WorkflowJob.getCauseOfBlockage`: `BlockedBecauseOfBuildInProgress`
  without concurrent builds; `WorkflowRun` aborts the previous build with abortPrevious;
- lockable-resources `LockableResourcesManager.getNextQueuedContext`: the oldest
  waiter wins; waiting builds are running builds, so nothing folds into them;
- priority-sorter `ItemInfo.compareTo` (priority, time in queue, id) and
  `PriorityConfigurationPlaceholderTaskHelper` (a `node` request has its job's priority).
"""

from jobsmith.forecast.model import AgentKind, Branch, JobModel
from jobsmith.forecast.simulate import simulate

T0 = 1_800_000_000 - 1_800_000_000 % 3600  # a whole hour
LINUX = AgentKind("linux", frozenset({"linux"}), 1)


def job(name, fires, *minutes, **options):
    steps = tuple((Branch(f"s{i}", None, None, m * 60.0),) for i, m in enumerate(minutes))
    return JobModel(name, tuple(T0 + f * 60 for f in fires), steps, **options)


def table(outcome, name=None):
    """(due, start, end, folded) in minutes after T0, per run of `name`, in due order."""
    def minute(t):
        return None if t is None else (t - T0) / 60
    return [(minute(r.due), minute(r.start), minute(r.end), r.folded)
            for r in sorted(outcome.runs, key=lambda r: (r.due, r.created))
            if name is None or r.job == name]


def test_twenty_minute_job_every_fifteen_minutes_on_one_agent():
    # Ticks at :00 :15 :30 :45 1:00 ...; one build runs, at most one item waits
    # (blocked by the build in progress) and a tick while it waits folds into it.
    # At 1:00 the :45 item is still waiting when the 1:00 tick comes: folded.
    outcome = simulate([job("a", range(0, 120, 15), 20)], [LINUX], T0 + 7200, T0)
    assert table(outcome) == [
        (0, 0, 20, 0), (15, 20, 40, 0), (30, 40, 60, 0), (45, 60, 80, 1),
        (75, 80, 100, 0), (90, 100, 120, 0), (105, 120, 140, 0),
    ]
    waits = [r.wait_s for r in sorted(outcome.runs, key=lambda r: r.due)]
    assert waits == [0, 300, 600, 900, 300, 600, 900]


def test_waiting_for_a_lock_is_a_running_build_so_ticks_do_not_fold():
    two = [AgentKind("linux", frozenset({"linux"}), 2)]
    holder = job("a-holder", [0], 30, lock="db")
    parallel = job("b-parallel", [10, 20], 10, lock="db", concurrency="parallel")
    outcome = simulate([holder, parallel], two, T0 + 3600, T0)
    assert table(outcome, "b-parallel") == [(10, 30, 40, 0), (20, 40, 50, 0)]
    # With concurrent builds disabled the second tick's item is blocked by the build
    # waiting for the lock, and the third tick folds into that item.
    queued = job("b-queue", [10, 20, 25], 10, lock="db")
    outcome = simulate([holder, queued], two, T0 + 3600, T0)
    assert table(outcome, "b-queue") == [(10, 30, 40, 0), (20, 40, 50, 1)]


def test_priority_inversion_through_a_lock():
    # `low` holds the lock across two stages; `high` waits for the lock; `medium`
    # needs no lock but wins the only agent when `low`'s second stage asks for it,
    # so the most urgent job waits for the least urgent and the middle one.
    low = job("low", [0], 10, 10, lock="r", priority=5)
    high = job("high", [5], 10, lock="r", priority=1)
    medium = job("medium", [8], 20, priority=3)
    outcome = simulate([low, high, medium], [LINUX], T0 + 3600, T0)
    assert table(outcome, "medium") == [(8, 10, 30, 0)]
    assert table(outcome, "low") == [(0, 0, 40, 0)]
    assert table(outcome, "high") == [(5, 40, 50, 0)]
    assert next(r for r in outcome.runs if r.job == "high").wait_s == 35 * 60


def test_priority_orders_the_queue_before_time_and_name():
    jobs = [job(f"p{p}-{name}", [0], 10, priority=p) for p, name in ((5, "a"), (1, "z"), (3, "m"))]
    outcome = simulate(jobs, [LINUX], T0 + 3600, T0)
    starts = sorted((r.start, r.job) for r in outcome.runs)
    assert [name for _, name in starts] == ["p1-z", "p3-m", "p5-a"]


def test_builds_that_start_together_ask_for_agents_in_the_order_they_started():
    # At 10 `b`'s first build ends: its waiting item (in the queue since 5) and `a`'s
    # (since 10) both start builds, `b` first (time in queue); their stages then enter
    # the queue at the same instant with the same priority, and the older build's
    # request has the lower queue item id (`ItemInfo.compareTo`'s last key), so `b`
    # gets the only agent although `a` sorts first by name.
    outcome = simulate([job("b", [0, 5], 10), job("a", [10], 10)], [LINUX], T0 + 3600, T0)
    assert table(outcome, "b") == [(0, 0, 10, 0), (5, 10, 20, 0)]
    assert table(outcome, "a") == [(10, 20, 30, 0)]


def test_a_request_that_spills_over_to_another_kind_goes_first_in_queue_order():
    # `Queue.maintain` maps buildables in the sorter's order, each to any node whose
    # labels match (`Label.contains`). At 1 the only `linux` agent is busy (`a`, to 10);
    # `b` (priority 1, `linux`) and `c` (priority 5, `db`) ask together, and the one
    # `linux db` agent goes to `b`, first in the queue, although it is `c`'s only kind:
    # `c` waits for `b`'s end at 11 (and serving `c` at once, as its kind had room for
    # the requests that ask it first, would be wrong).
    kinds = [LINUX, AgentKind("linux db", frozenset({"linux", "db"}), 1)]
    jobs = [JobModel("a", (T0,), ((Branch("s", "linux", None, 600.0),),)),
            JobModel("b", (T0 + 60,), ((Branch("s", "linux", None, 600.0),),), priority=1),
            JobModel("c", (T0 + 60,), ((Branch("s", "db", None, 600.0),),), priority=5)]
    outcome = simulate(jobs, kinds, T0 + 3600, T0)
    assert [table(outcome, name) for name in "abc"] == [
        [(0, 0, 10, 0)], [(1, 1, 11, 0)], [(1, 11, 21, 0)]]
    assert [r.waits for r in sorted(outcome.runs, key=lambda r: r.job)] == [
        {0: 0}, {1: 0}, {1: 600}]


def test_skip_replace_and_labels():
    slow = dict(concurrency="skip")
    outcome = simulate([job("s", [0, 5, 10, 15], 12, **slow)], [LINUX], T0 + 3600, T0)
    assert [r.outcome for r in sorted(outcome.runs, key=lambda r: r.due)] == [
        "ran", "skipped", "skipped", "ran"]
    outcome = simulate([job("r", [0, 5], 12, concurrency="replace")], [LINUX], T0 + 3600, T0)
    assert [(r.outcome, (r.end or 0) - T0) for r in sorted(outcome.runs, key=lambda r: r.due)] \
        == [("replaced", 5 * 60), ("ran", 17 * 60)]
    windows = JobModel("w", (T0,), ((Branch("x", "windows", None, 60.0),),))
    outcome = simulate([windows], [LINUX], T0 + 3600, T0)
    assert outcome.stuck == {"w": "windows"} and outcome.runs[0].end is None


def test_throttle_max_total_and_after_triggers():
    kinds = [AgentKind("linux", frozenset({"linux"}), 4)]
    a = job("a", [0], 10, concurrency="parallel", throttle=("category etl", 1),
            downstream=("c",))
    b = job("b", [0], 10, concurrency="parallel", throttle=("category etl", 1))
    c = job("c", [], 5)
    outcome = simulate([a, b, c], kinds, T0 + 3600, T0)
    assert table(outcome, "a") == [(0, 0, 10, 0)]
    assert table(outcome, "b") == [(0, 10, 20, 0)]
    # ReverseBuildTrigger schedules with the default quiet period (5 s).
    assert table(outcome, "c") == [(10 + 5 / 60, 10 + 5 / 60, 15 + 5 / 60, 0)]

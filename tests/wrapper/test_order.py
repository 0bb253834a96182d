"""Results replayed from the outbox never override a newer outcome of the same check.

Sensu has no order of its own: 1.x `store_check_result` (`lib/sensu/server/process.rb`)
sets `result:<source>:<check>` to whatever arrived last, and Sensu Go's event store
does the same. So the wrapper sends, per check, only the newest result it knows of
(by `executed`, the build's start, then the build number) and keeps older ones as
history (`jobsmith/wrapper/ledger.py`).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jobsmith.wrapper.finish import deliver_in_order
from jobsmith.wrapper.ledger import Ledger, order_key
from jobsmith.wrapper.outbox import Outbox
from jobsmith.wrapper.settings import AgentSettings, parse_sensu_url
from tests.wrapper.fake_sensu import FakeSensu, event_key, result_key


def result(job: str, executed: int, status: int, build: int = 0) -> dict[str, object]:
    return {"name": f"jobsmith.{job}", "status": status, "output": f"{job} {executed}\n",
            "handlers": [], "source": "jobsmith", "host": "h", "executed": executed,
            "duration": 1.0, "job": job, "exit_code": status, "attempts": 1,
            "build_url": None, "build": build, "ttl": 3600}


@pytest.mark.parametrize("scheme", ["tcp", "http"])
def test_only_the_newest_result_of_each_check_is_sent(
    scheme: str, fake_sensu: FakeSensu, tmp_path: Path
) -> None:
    outbox = Outbox(str(tmp_path))
    # Stored while Sensu was down, in the order the builds ended: a failure, a later
    # success of the same job, and another job's result.
    outbox.put(result("a", 1000, 2))
    outbox.put(result("a", 2000, 0))
    outbox.put(result("b", 1500, 2))
    settings = AgentSettings(sensu=parse_sensu_url(getattr(fake_sensu, f"{scheme}_url")),
                             outbox=str(tmp_path))
    said: list[str] = []
    deliver_in_order(result("c", 3000, 0), settings, said.append)
    received = fake_sensu.wait_for(3)
    key = event_key if scheme == "http" else result_key
    sent = sorted((key(item)[1], item.get("executed") or item["check"]["executed"])
                  for item in received)
    assert sent == [("jobsmith.a", 2000), ("jobsmith.b", 1500), ("jobsmith.c", 3000)]
    (history,) = (tmp_path / "superseded").iterdir()
    assert json.loads(history.read_text())["executed"] == 1000  # kept, never current
    assert not list(tmp_path.glob("*.json"))
    assert any("older result of jobsmith.a was not sent" in line for line in said)
    assert any("sent 2 stored alert(s)" in line for line in said)


def test_an_older_result_arriving_after_a_newer_one_is_kept_as_history(
    fake_sensu: FakeSensu, tmp_path: Path
) -> None:
    settings = AgentSettings(sensu=parse_sensu_url(fake_sensu.tcp_url), outbox=str(tmp_path))
    said: list[str] = []
    deliver_in_order(result("a", 5000, 0, build=8), settings, said.append)
    # Build 7 started earlier but ended later (concurrency: parallel), or its result
    # was stored by a run that was killed: it is older, so it does not become current.
    deliver_in_order(result("a", 4000, 2, build=7), settings, said.append)
    # The same build again (the seed re-sending it with a new TTL) is not older.
    deliver_in_order(dict(result("a", 5000, 0, build=8), ttl=7200), settings, said.append)
    received = fake_sensu.wait_for(2)
    assert [(item["executed"], item["ttl"]) for item in received] == [(5000, 3600), (5000, 7200)]
    assert fake_sensu.current[("jobsmith", "jobsmith.a")]["ttl"] == 7200
    assert len(list((tmp_path / "superseded").iterdir())) == 1


def test_the_ledger_orders_by_start_then_build_number(tmp_path: Path) -> None:
    ledger = Ledger(str(tmp_path))
    with ledger.holding("jobsmith.a") as entry:
        assert entry.newest() is None
        entry.record(result("a", 100, 0, build=3))
        entry.record(result("a", 50, 0, build=9))  # older start: not recorded
        assert entry.newest() == (100, 3)
        assert entry.supersedes(result("a", 100, 0, build=2))
        assert not entry.supersedes(result("a", 100, 0, build=3))
        assert not entry.supersedes(result("a", 101, 0))
    assert order_key({"executed": "x"}) == (0, 0)


def test_a_skipped_build_never_hides_the_outcome_of_the_build_still_running(
    fake_sensu: FakeSensu, tmp_path: Path
) -> None:
    """`concurrency: skip`: build 8 starts while build 7 runs and ends at once as
    NOT_BUILT; build 7 fails later. Its start is older, yet its failure is the news (the
    alert simulation's "skip" scenario missed such failures before)."""
    settings = AgentSettings(sensu=parse_sensu_url(fake_sensu.tcp_url), outbox=str(tmp_path))
    said: list[str] = []
    skipped = dict(result("a", 5000, 0, build=8), outcome="not_built")
    deliver_in_order(skipped, settings, said.append)
    deliver_in_order(dict(result("a", 4000, 2, build=7), outcome="failure"), settings,
                     said.append)
    received = fake_sensu.wait_for(2)
    assert [item["build"] for item in received] == [8, 7]
    assert fake_sensu.current[("jobsmith", "jobsmith.a")]["status"] == 2
    # The same through the outbox: the skipped build's result stored while Sensu was
    # down, then the failure's run. It goes first, and the stored result of a build that
    # did not run is not replayed after it (it would hide it): kept as history.
    outbox = Outbox(str(tmp_path / "later"))
    outbox.put(dict(result("b", 5000, 0, build=8), outcome="not_built"))
    later = AgentSettings(sensu=parse_sensu_url(fake_sensu.tcp_url), outbox=outbox.directory)
    deliver_in_order(dict(result("b", 4000, 2, build=7), outcome="failure"), later,
                     said.append)
    assert [item["build"] for item in fake_sensu.wait_for(3)[2:]] == [7]
    assert len(list((tmp_path / "later" / "superseded").iterdir())) == 1
    # A build that did not run is itself older than a newer outcome: not sent.
    deliver_in_order(dict(result("a", 3000, 0, build=6), outcome="not_built"), settings,
                     said.append)
    assert len(fake_sensu.wait_for(4, timeout=0)) == 3


def test_the_seed_restating_a_build_is_not_older_than_its_own_result(
    fake_sensu: FakeSensu, tmp_path: Path
) -> None:
    """The finish step's `executed` is `currentBuild.startTimeInMillis` (Run.
    getStartTimeInMillis, when the build began to run); the seed reads the build's
    `timestamp` from the JSON API (Run.getTimestamp, when the Run was created), which
    can fall in the second before. Same build, so the restatement still goes."""
    settings = AgentSettings(sensu=parse_sensu_url(fake_sensu.tcp_url), outbox=str(tmp_path))
    said: list[str] = []
    deliver_in_order(result("a", 5000, 2, build=8), settings, said.append)
    restated = dict(result("a", 4999, 2, build=8), ttl=90000)
    deliver_in_order(restated, settings, said.append)
    deliver_in_order(result("a", 4999, 0, build=7), settings, said.append)  # really older
    received = fake_sensu.wait_for(2)
    assert [(item["executed"], item["ttl"]) for item in received] == [(5000, 3600), (4999, 90000)]
    assert fake_sensu.current[("jobsmith", "jobsmith.a")]["ttl"] == 90000
    assert len(list((tmp_path / "superseded").iterdir())) == 1


@pytest.mark.parametrize("scheme", ["tcp", "http"])
def test_stored_results_of_other_checks_never_time_out_a_newer_one(
    scheme: str, fake_sensu: FakeSensu, tmp_path: Path
) -> None:
    """No ledger spans agents: after an outage this agent may replay results of a job
    another agent has delivered newer ones of. A replay whose TTL ran out is kept as
    history; one within it gets its TTL counted from its arrival (Sensu 1.x counts from
    `executed`; Sensu Go from arrival already): the simulation's "agents split"."""
    now = 1_000_000
    outbox = Outbox(str(tmp_path))
    outbox.put(dict(result("a", now - 7200, 0, build=4), duration=60.0))  # TTL 3600 ran out
    outbox.put(dict(result("b", now - 1800, 0, build=9), duration=60.0))  # within it
    settings = AgentSettings(sensu=parse_sensu_url(getattr(fake_sensu, f"{scheme}_url")),
                             outbox=str(tmp_path))
    said: list[str] = []
    deliver_in_order(result("c", now - 60, 0, build=1), settings, said.append, now=now)
    received = fake_sensu.wait_for(2)
    if scheme == "http":
        ttls = [(item["check"]["metadata"]["name"], item["check"]["ttl"]) for item in received]
        assert ttls == [("jobsmith.c", 3600), ("jobsmith.b", 3600)]
    else:
        ttls = [(item["name"], item["ttl"]) for item in received]
        assert ttls == [("jobsmith.c", 3600), ("jobsmith.b", 3600 + 1800 - 60)]
    (history,) = (tmp_path / "superseded").iterdir()
    assert json.loads(history.read_text())["job"] == "a"
    assert any("older than its TTL was not sent" in line for line in said)

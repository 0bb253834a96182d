"""The outbox: atomic files, claims, and delivery within the budget."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from jobsmith.wrapper.delivery import deliver
from jobsmith.wrapper.outbox import Outbox
from jobsmith.wrapper.sensu import DELIVERED, REJECTED, UNDELIVERABLE
from jobsmith.wrapper.settings import SensuAddress

ADDRESS = SensuAddress("tcp", "127.0.0.1", 9)


class FakeSender:
    """Answers from a script, and advances a fake clock by each send's cost."""

    def __init__(self, answers: list[str], cost: float = 0.1) -> None:
        self.answers = answers
        self.cost = cost
        self.sent: list[dict[str, object]] = []
        self.now = 0.0

    def __call__(self, check: dict[str, object], seconds: float) -> tuple[str, str]:
        assert seconds > 0
        self.now += self.cost
        answer = self.answers.pop(0) if self.answers else DELIVERED
        if answer == DELIVERED:
            self.sent.append(check)
        return answer, answer

    def clock(self) -> float:
        return self.now


def stored(path: str | Path) -> object:
    return json.loads(Path(path).read_bytes())


def test_put_is_atomic_and_pending_lists_oldest_first(tmp_path: Path) -> None:
    outbox = Outbox(str(tmp_path / "outbox"))
    first = outbox.put({"name": "a"})
    second = outbox.put({"name": "b"})
    (tmp_path / "outbox" / ".tmp-123-abc").write_bytes(b'{"name": "half-writ')  # a writer
    assert outbox.pending() == [".tmp-123-abc", os.path.basename(first), os.path.basename(second)]
    assert outbox.claim(".tmp-123-abc") is None  # too young to be an orphan: maybe writing
    assert oct(os.stat(first).st_mode & 0o777) == "0o600"


def test_a_claim_is_taken_by_exactly_one_run(tmp_path: Path) -> None:
    outbox = Outbox(str(tmp_path))
    name = os.path.basename(outbox.put({"name": "a"}))
    claim = outbox.claim(name)
    assert claim is not None and claim.path.endswith(f".sending-{os.getpid()}")
    assert outbox.claim(name) is None
    assert outbox.claim(os.path.basename(claim.path)) is None  # held: locked by this run
    assert outbox.load(claim) == {"name": "a"}
    outbox.release(claim)
    assert outbox.pending() == [name]


def test_a_claim_nobody_holds_is_taken_over_even_when_its_pid_is_alive(tmp_path: Path) -> None:
    """The claimant died; its pid may name another process now (reuse, reboot)."""
    outbox = Outbox(str(tmp_path))
    name = os.path.basename(outbox.put({"name": "a"}))
    unrelated = subprocess.Popen(["sleep", "30"])
    try:
        stale = f"{name}.sending-{unrelated.pid}"
        os.rename(tmp_path / name, tmp_path / stale)
        claim = outbox.claim(stale)
        assert claim is not None and outbox.load(claim) == {"name": "a"}
    finally:
        unrelated.kill()
        unrelated.wait()


def test_a_claim_held_by_a_live_run_in_another_process_is_left_alone(tmp_path: Path) -> None:
    outbox = Outbox(str(tmp_path))
    name = os.path.basename(outbox.put({"name": "a"}))
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_CLAIM, str(tmp_path), name], stdout=subprocess.PIPE
    )
    try:
        assert holder.stdout is not None
        claimed = holder.stdout.readline().decode().strip()
        assert claimed.endswith(f".sending-{holder.pid}")
        assert outbox.pending() == [os.path.basename(claimed)]
        assert outbox.claim(os.path.basename(claimed)) is None
    finally:
        holder.kill()
        holder.wait()
    claim = outbox.claim(os.path.basename(claimed))  # the holder died: its lock went with it
    assert claim is not None


HOLD_CLAIM = """
import sys, time
from jobsmith.wrapper.outbox import Outbox
claim = Outbox(sys.argv[1]).claim(sys.argv[2])
print(claim.path, flush=True)
time.sleep(60)
"""


def test_delivery_sends_the_outbox_first_then_the_new_alert(tmp_path: Path) -> None:
    outbox = Outbox(str(tmp_path))
    outbox.put({"name": "old-1"})
    outbox.put({"name": "old-2"})
    sender = FakeSender([])
    report = deliver({"name": "new"}, ADDRESS, outbox, send=sender, clock=sender.clock)
    assert [check["name"] for check in sender.sent] == ["old-1", "old-2", "new"]
    assert (report.current, report.drained, report.queued) == (DELIVERED, 2, "")
    assert outbox.pending() == []


def test_an_ordered_delivery_sends_the_new_alert_first_then_the_outbox(tmp_path: Path) -> None:
    """With `current_first` (what `deliver_in_order` asks for, its ledger ordering each
    check) a Sensu that answers in 3 s, which takes the whole budget, gets this run's
    result rather than the backlog (the alert simulation's "Sensu down 1d, slow")."""
    outbox = Outbox(str(tmp_path))
    outbox.put({"name": "old-1"})
    outbox.put({"name": "old-2"})
    sender = FakeSender([])
    report = deliver({"name": "new"}, ADDRESS, outbox, send=sender, clock=sender.clock,
                     current_first=True)
    assert [check["name"] for check in sender.sent] == ["new", "old-1", "old-2"]
    assert (report.current, report.drained, report.queued) == (DELIVERED, 2, "")
    slow = FakeSender([], cost=2.5)
    outbox.put({"name": "old-3"})
    report = deliver({"name": "newer"}, ADDRESS, outbox, send=slow, clock=slow.clock,
                     budget=2.0, current_first=True)
    assert [check["name"] for check in slow.sent] == ["newer"]
    assert [stored(tmp_path / name) for name in outbox.pending()] == [{"name": "old-3"}]
    down = FakeSender([UNDELIVERABLE, UNDELIVERABLE])
    report = deliver({"name": "last"}, ADDRESS, outbox, send=down, clock=down.clock,
                     current_first=True)
    assert report.queued and len(outbox.pending()) == 2 and report.drained == 0


def test_an_undeliverable_alert_goes_to_the_outbox(tmp_path: Path) -> None:
    outbox = Outbox(str(tmp_path))
    sender = FakeSender([UNDELIVERABLE])
    report = deliver({"name": "new"}, ADDRESS, outbox, send=sender, clock=sender.clock)
    assert report.current == UNDELIVERABLE
    assert outbox.pending() == [os.path.basename(report.queued)]
    assert stored(report.queued) == {"name": "new"}


def test_sensu_down_during_the_drain_keeps_everything(tmp_path: Path) -> None:
    outbox = Outbox(str(tmp_path))
    outbox.put({"name": "old"})
    sender = FakeSender([UNDELIVERABLE])
    report = deliver({"name": "new"}, ADDRESS, outbox, send=sender, clock=sender.clock)
    names = [stored(tmp_path / name) for name in outbox.pending()]
    assert names == [{"name": "old"}, {"name": "new"}]
    assert len(sender.sent) == 0 and report.queued


def test_the_budget_bounds_the_whole_delivery(tmp_path: Path) -> None:
    outbox = Outbox(str(tmp_path))
    for index in range(30):
        outbox.put({"name": f"old-{index}"})
    sender = FakeSender([], cost=0.25)
    report = deliver({"name": "new"}, ADDRESS, outbox, send=sender, clock=sender.clock, budget=2.0)
    assert sender.now <= 2.0
    assert report.drained == 8
    assert report.queued  # no time left for the new one: stored, not lost
    assert len(outbox.pending()) == 30 - 8 + 1


def test_rejected_alerts_are_set_aside_not_retried(tmp_path: Path) -> None:
    outbox = Outbox(str(tmp_path))
    outbox.put({"name": "bad"})
    (tmp_path / "00000000000000000000-1-x.json").write_bytes(b"not json")
    sender = FakeSender([REJECTED])
    report = deliver({"name": "new"}, ADDRESS, outbox, send=sender, clock=sender.clock)
    assert [check["name"] for check in sender.sent] == ["new"]
    assert len(os.listdir(tmp_path / "rejected")) == 1
    assert sorted(os.listdir(tmp_path / "quarantine")) == [
        "00000000000000000000-1-x.json", "00000000000000000000-1-x.json.reason"]
    assert outbox.pending() == []
    assert len(report.notes) == 2


def test_without_an_outbox_a_lost_alert_is_reported(tmp_path: Path) -> None:
    sender = FakeSender([UNDELIVERABLE])
    report = deliver({"name": "new"}, ADDRESS, None, send=sender, clock=sender.clock)
    assert any("JOBSMITH_OUTBOX is not set" in note for note in report.notes)

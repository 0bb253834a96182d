"""The outbox: atomic files, claims, and delivery within the budget."""

from __future__ import annotations

import os
import subprocess
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


def test_put_is_atomic_and_pending_lists_oldest_first(tmp_path: Path) -> None:
    outbox = Outbox(str(tmp_path / "outbox"))
    first = outbox.put({"name": "a"})
    second = outbox.put({"name": "b"})
    (tmp_path / "outbox" / ".tmp-123-abc").write_bytes(b'{"name": "half-writ')  # killed writer
    assert outbox.pending() == [os.path.basename(first), os.path.basename(second)]
    assert oct(os.stat(first).st_mode & 0o777) == "0o600"


def test_a_claim_is_taken_by_exactly_one_run(tmp_path: Path) -> None:
    outbox = Outbox(str(tmp_path))
    name = os.path.basename(outbox.put({"name": "a"}))
    claimed = outbox.claim(name)
    assert claimed is not None and claimed.endswith(f".sending-{os.getpid()}")
    assert outbox.claim(name) is None
    assert outbox.load(claimed) == {"name": "a"}
    outbox.release(claimed)
    assert outbox.pending() == [name]


def test_the_claim_of_a_dead_run_is_taken_over(tmp_path: Path) -> None:
    outbox = Outbox(str(tmp_path))
    name = os.path.basename(outbox.put({"name": "a"}))
    dead = subprocess.run(["sh", "-c", "echo $$"], capture_output=True, check=True)
    dead_pid = int(dead.stdout)
    os.rename(tmp_path / name, tmp_path / f"{name}.sending-{dead_pid}")
    live = subprocess.Popen(["sleep", "30"])
    try:
        other = os.path.basename(outbox.put({"name": "b"}))
        os.rename(tmp_path / other, tmp_path / f"{other}.sending-{live.pid}")
        assert outbox.pending() == [f"{name}.sending-{dead_pid}"]
    finally:
        live.kill()
        live.wait()


def test_delivery_sends_the_outbox_first_then_the_new_alert(tmp_path: Path) -> None:
    outbox = Outbox(str(tmp_path))
    outbox.put({"name": "old-1"})
    outbox.put({"name": "old-2"})
    sender = FakeSender([])
    report = deliver({"name": "new"}, ADDRESS, outbox, send=sender, clock=sender.clock)
    assert [check["name"] for check in sender.sent] == ["old-1", "old-2", "new"]
    assert (report.current, report.drained, report.queued) == (DELIVERED, 2, "")
    assert outbox.pending() == []


def test_an_undeliverable_alert_goes_to_the_outbox(tmp_path: Path) -> None:
    outbox = Outbox(str(tmp_path))
    sender = FakeSender([UNDELIVERABLE])
    report = deliver({"name": "new"}, ADDRESS, outbox, send=sender, clock=sender.clock)
    assert report.current == UNDELIVERABLE
    assert outbox.pending() == [os.path.basename(report.queued)]
    assert outbox.load(report.queued) == {"name": "new"}


def test_sensu_down_during_the_drain_keeps_everything(tmp_path: Path) -> None:
    outbox = Outbox(str(tmp_path))
    outbox.put({"name": "old"})
    sender = FakeSender([UNDELIVERABLE])
    report = deliver({"name": "new"}, ADDRESS, outbox, send=sender, clock=sender.clock)
    names = [outbox.load(str(tmp_path / name))["name"] for name in outbox.pending()]  # type: ignore[index]
    assert names == ["old", "new"]
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
    assert sorted(os.listdir(tmp_path / "rejected")) and len(os.listdir(tmp_path / "rejected")) == 2
    assert outbox.pending() == []
    assert len(report.notes) == 2


def test_without_an_outbox_a_lost_alert_is_reported(tmp_path: Path) -> None:
    sender = FakeSender([UNDELIVERABLE])
    report = deliver({"name": "new"}, ADDRESS, None, send=sender, clock=sender.clock)
    assert any("JOBSMITH_OUTBOX is not set" in note for note in report.notes)

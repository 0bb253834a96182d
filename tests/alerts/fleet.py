"""The agents of a scenario: their outboxes, their down periods and their drain timers.

Each agent has one real outbox directory (and ledger). The deploy kit's timer
(deploy/agent/jobsmith-drain.timer) runs `jobsmith run --drain` every `DRAIN_EVERY`
seconds on every agent that is up; here each agent's timer has its own phase, and its
run is the real `wrapper.drain.drain_outbox` (what the command runs) with the virtual
wall clock and the agent's virtual boot time. A run is skipped where it cannot change
anything: an empty outbox, and while Sensu is down (a refused send changes nothing, and
what such a run would keep as history, the first run after the outage keeps too).
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jobsmith.wrapper.drain import DEFAULT_BUDGET, drain_outbox
from jobsmith.wrapper.outbox import Outbox
from jobsmith.wrapper.settings import AgentSettings

if TYPE_CHECKING:
    from tests.alerts.sensu_model import SensuModel

DRAIN_EVERY = 10.0  # deploy/agent/jobsmith-drain.timer: OnUnitInactiveSec


class Fleet:
    def __init__(self, root: Path, down: list[tuple[str, float, float]], booted: float,
                 start: float) -> None:
        self.root = root
        self.down = down  # (agent, from, to): rebooting; started again at `to`
        self.since = booted  # when the agents started, unless taken down
        self.start = start
        self.agents: list[str] = []  # every agent with an outbox (and a drain timer)
        self.pending: set[str] = set()  # agents whose outbox holds something
        self.stranded: set[int] = set()  # indexes in the model's alerts

    def is_down(self, agent: str, now: float) -> bool:
        return any(name == agent and a <= now < b for name, a, b in self.down)

    def booted(self, agent: str, now: float) -> float:
        """When `agent` last started, as of `now`."""
        return max([b for name, _, b in self.down if name == agent and b <= now],
                   default=self.since)

    def outbox(self, agent: str) -> Path:
        return self.root / "agents" / agent / "outbox"

    def note_pending(self, agent: str) -> None:
        if Outbox(str(self.outbox(agent))).pending():
            self.pending.add(agent)
        else:
            self.pending.discard(agent)

    def ticks(self, start: float, end: float) -> list[tuple[float, int, Any]]:
        """The agents' drain timers in [start, end), each at its own phase."""
        ticks: list[tuple[float, int, Any]] = []
        for agent in self.agents:
            phase = (zlib.crc32(agent.encode()) % 1000) / 1000 * DRAIN_EVERY
            at = start + (phase - (start - self.start)) % DRAIN_EVERY
            while at < end:
                ticks.append((at, 2, ("drain", agent)))
                at += DRAIN_EVERY
        return ticks

    def drain(self, agent: str, now: float, sensu_down: bool,
              settings: Callable[[str, float], AgentSettings],
              collect: Callable[[float], None]) -> None:
        """`jobsmith run --drain` on `agent` at `now` (its timer), when it can matter."""
        if agent not in self.pending or sensu_down or self.is_down(agent, now):
            return
        said: list[str] = []
        drain_outbox(settings(agent, now), said.append, budget=DEFAULT_BUDGET, now=now,
                     booted=self.booted(agent, now))
        collect(now)
        self.note_pending(agent)

    def mark_stranded(self, model: SensuModel, since: int, now: float) -> None:
        """The missed-run alerts from `since` on whose check's newer results all wait in
        outboxes of agents that are down at `now`."""
        for number, alert in enumerate(model.alerts[since:], since):
            if alert.kind != "missed run":
                continue
            stored = model.stored[alert.key].check.get("executed") or 0
            holders = {agent for agent in self.agents
                       if any(check.get("name") == alert.key[1]
                              and (check.get("executed") or 0) > stored
                              for check in waiting(self.outbox(agent)))}
            if holders and all(self.is_down(agent, now) for agent in holders):
                self.stranded.add(number)


def waiting(outbox: Path) -> list[dict[str, Any]]:
    """The results waiting in an outbox (its top level: not history, not the ledger)."""
    found = []
    for path in outbox.glob("*"):
        if path.is_file() and not path.name.startswith(".") and (
                path.name.endswith(".json") or ".sending-" in path.name):
            found.append(json.loads(path.read_text()))
    return found

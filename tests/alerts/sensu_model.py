"""A model of how Sensu keeps check results and raises TTL ("missed run") events.

Sensu 1.x, from sensu's `lib/sensu/server/process.rb` (v1.x, fetched from
github:sensu/sensu):
- `store_check_result` keeps one result per `<client>:<check>`, the client being the
  result's `source` when it has one (`retrieve_client` makes a proxy client of it); the
  last result to arrive wins, whatever its `executed`, and a result with `ttl` joins the
  `ttl` set.
- `setup_check_result_monitor` runs `determine_stale_check_results` every 30 s (the first
  time 30 s after the server starts: an `EM::PeriodicTimer`); `create_check_ttl_results`
  publishes a result with status `ttl_status || 1` for every stored result whose
  `Time.now.to_i - executed >= ttl`, unless the client has a keepalive event (a proxy
  client such as jobsmith's `source` never has one). That result is stored in turn (same
  `executed` and `ttl`), so the check stays in the TTL state until a newer result comes.
- A result without `ttl` stays in the `ttl` set but is skipped (`next unless
  check[:ttl]`): no missed-run event.

Sensu Go (docs: sensu-docs `content/sensu-go/6.12/observability-pipeline/observe-schedule/
checks.md`, `ttl`): "If an agent stops publishing results for the check and the TTL
expires, an event will be created"; the TTL runs from the event's arrival at the backend,
and the event is keyed by entity and check (a proxy entity for jobsmith). The TTL event
is a warning (status 1): the model counts it as a missed-run alert all the same.

While Sensu is down it neither receives nor evaluates; the runner says when (`down`).
An alert is the check entering critical (a failed build's result, or a TTL event with
`ttl_status: 2`) or entering the TTL state at all: what pages an on-call engineer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

EVALUATE_EVERY = 30  # seconds: setup_check_result_monitor(interval=30)
CLIENT_NAME = "agent-host"  # the 1.x client's own name, used when a result has no source


@dataclass
class Alert:
    at: float
    key: tuple[str, str]
    kind: str  # "failure" (a critical result) or "missed run" (a TTL event)
    detail: str


@dataclass
class Stored:
    check: dict[str, Any]  # the result as Sensu keeps it (1.x form)
    arrived: float
    status: int
    expired: bool = False  # the TTL event is the current state


@dataclass
class SensuModel:
    flavour: str = "1.x"  # or "go"
    stored: dict[tuple[str, str], Stored] = field(default_factory=dict)
    alerts: list[Alert] = field(default_factory=list)
    received: list[dict[str, Any]] = field(default_factory=list)
    _arrivals: list[tuple[float, str, bool]] = field(default_factory=list)
    timeline: list[tuple[float, str, bool]] = field(default_factory=list)  # alerting?
    down_since: float | None = None
    next_evaluation: float | None = None

    def arrivals(self, name: str) -> list[float]:
        """When results of the check `name` arrived, in order."""
        return [at for at, check, _ in self._arrivals if check == name]

    def _mark(self, now: float, name: str, entry: Stored) -> None:
        self.timeline.append((now, name, entry.status == 2 or entry.expired))

    def receive(self, check: dict[str, Any], now: float) -> None:
        """A result (1.x form) or an event (Go form) Sensu accepted at `now`."""
        if "check" in check:
            check = from_go_event(check)
        self.received.append(check)
        key = (check.get("source") or CLIENT_NAME, check["name"])
        status = int(check["status"])
        before = self.stored.get(key)
        if status == 2 and (before is None or before.status != 2):
            self.alerts.append(Alert(now, key, "failure", check.get("output", "")[:200]))
        self.stored[key] = entry = Stored(dict(check), now, status)
        self._arrivals.append((now, key[1], True))
        self._mark(now, key[1], entry)

    def go_down(self, now: float) -> None:
        self.down_since = now

    def come_back(self, now: float) -> None:
        self.down_since = None
        self.next_evaluation = now + EVALUATE_EVERY  # a PeriodicTimer's first tick

    def tick(self, now: float) -> None:
        """The check-result monitor's run at `now`, if Sensu is up and it is time."""
        if self.down_since is not None:
            return
        if self.next_evaluation is None:
            self.next_evaluation = now
        if now < self.next_evaluation:
            return
        self.next_evaluation = now + EVALUATE_EVERY
        for key, entry in self.stored.items():
            ttl = entry.check.get("ttl")
            if not ttl or entry.expired:
                continue
            since = entry.arrived if self.flavour == "go" else entry.check.get("executed")
            if not isinstance(since, (int, float)) or now - since < ttl:
                continue
            status = 1 if self.flavour == "go" else int(entry.check.get("ttl_status") or 1)
            if entry.status != 2:  # already critical: Sensu updates the event, no new page
                self.alerts.append(Alert(now, key, "missed run",
                                         f"Last check execution was {now - since:.0f}s ago"))
            entry.status = status
            entry.expired = True
            self._mark(now, key[1], entry)


def from_go_event(event: dict[str, Any]) -> dict[str, Any]:
    """The 1.x-shaped view of a Go agent event: entity as source, labels as fields."""
    check = event["check"]
    metadata = check["metadata"]
    labels = metadata.get("labels") or {}
    result = {
        "name": metadata["name"],
        "status": check.get("status", 0),
        "output": check.get("output", ""),
        "executed": check.get("executed"),
        "source": (event.get("entity") or {}).get("metadata", {}).get("name"),
    }
    if check.get("ttl"):
        result["ttl"] = check["ttl"]
    if "build" in labels:
        result["build"] = int(labels["build"])
    if "job" in labels:
        result["job"] = labels["job"]
    return result

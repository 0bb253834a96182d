"""The alert simulation: a month of builds per scenario against the model of Sensu's
TTL semantics (tests/alerts/simulation.py), through the real finish step, outbox and
ledger, with each agent's drain timer, over real sockets to the strict fake Sensu.
Every column but `builds`, `sent` and `stranded` must be 0; `outage` counts the alerts
Sensu raised after an outage of its own before it heard from the check again, and
`stranded` the true ones among them: raised while the check's newer results all waited
on agents that were down.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.alerts.scenarios import SCENARIOS  # noqa: E402
from tests.alerts.simulation import play  # noqa: E402


def main() -> None:
    print("| scenario | Sensu | builds | results sent | false | missed | lost | twice "
          "| outage | stranded | time |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for scenario in SCENARIOS:
        started = time.perf_counter()
        s = play(scenario)
        print(f"| {s.scenario} | {scenario.flavour} | {s.builds} | {s.sent} | {s.false} "
              f"| {s.missed} | {s.lost} | {s.twice} | {s.outage} | {s.stranded} "
              f"| {time.perf_counter() - started:.1f} s |")
    print("\n30 days each; false, missed, lost, twice and outage must all be 0.")


if __name__ == "__main__":
    main()

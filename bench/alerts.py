"""The alert simulation: a month of builds per scenario against the model of Sensu's
TTL semantics (tests/alerts/simulation.py), through the real finish step, outbox and
ledger, with each agent's drain timer, over real sockets to the strict fake Sensu.
Every column but `builds`, `sent` and `stranded` must be 0; `outage` counts the alerts
Sensu raised after an outage of its own before it heard from the check again, and
`stranded` the true ones among them: raised while the check's newer results all waited
on agents that were down.

Then the drain itself (`jobsmith run --drain`, what the deploy kit's timer runs every
10 s): a real process over an outbox of 50 stored results of 10 checks, with Sensu
refusing and with the fake Sensu up, against the baseline of a drain with nothing to do
(the process's start-up).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.measure import timed  # noqa: E402
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
    drain_table()


def drain_table(runs: int = 9) -> None:
    from jobsmith.wrapper.outbox import Outbox
    from tests.support.ports import refused_port
    from tests.wrapper.fake_sensu import FakeSensu

    sensu = FakeSensu()
    base = {k: v for k, v in os.environ.items() if not k.startswith("JOBSMITH_")}
    argv = [sys.executable, "-m", "jobsmith", "run", "--drain"]
    try:
        with tempfile.TemporaryDirectory() as directory:
            outbox = Path(directory) / "outbox"
            refused = f"tcp://127.0.0.1:{refused_port()}"

            def fill() -> None:
                now = int(time.time())
                for n in range(50):
                    Outbox(str(outbox)).put({
                        "name": f"jobsmith.job-{n % 10}", "status": 0, "output": "ok\n",
                        "executed": now - 3000 + n, "duration": 1, "ttl": 7200,
                        "job": f"job-{n % 10}", "build": n})

            cases = [("nothing to send (baseline)", str(Path(directory) / "empty"), refused,
                      False),
                     ("50 stored, Sensu refusing", str(outbox), refused, True),
                     ("50 stored, Sensu up (10 sent, 40 history)", str(outbox),
                      sensu.tcp_url, True)]
            best = [float("inf")] * len(cases)
            for _ in range(runs):  # the cases in turn, so a load that comes and goes
                for number, (_, box, url, stored) in enumerate(cases):  # hits them alike
                    if stored and not any(outbox.glob("*.json")):
                        fill()
                    env = dict(base, JOBSMITH_SENSU=url, JOBSMITH_OUTBOX=box)
                    best[number] = min(best[number], timed(argv, env)[0])
                    if url == sensu.tcp_url:
                        for path in outbox.rglob("*"):
                            if path.is_file():
                                path.unlink()
            rows = [(case[0], seconds) for case, seconds in zip(cases, best, strict=True)]
    finally:
        sensu.close()
    print(f"\n| `jobsmith run --drain` | best of {runs} | ratio |")
    print("|---|---|---|")
    for label, seconds in rows:
        print(f"| {label} | {seconds * 1000:.0f} ms | {seconds / rows[0][1]:.2f} |")


if __name__ == "__main__":
    main()

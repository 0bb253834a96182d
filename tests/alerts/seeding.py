"""Seed runs in the simulation: the real `jobsmith generate` and `jobsmith expect`.

A seed run at virtual time `at` writes the specs in force then to a spec tree of its
own, generates it (`generator.build.generate`: the real manifest, with each job's
`ttl`, `run_bound` and schedule), and calls `seed.after_seed.expect_after_seed` with the
previous seed run's manifest and start, and with what Jenkins would say of each job
(`JobState`): its last completed build, the result of the one before, whether one runs.
The results go, as in the seed job, through the ordered delivery from the seed agent
(its own outbox) to the fake Sensu. A job removed from the specs stays in Jenkins,
disabled, with its builds: the seed's Job DSL step has `removedJobAction: 'DISABLE'`
(Jenkinsfile).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jobsmith.generator.build import generate
from jobsmith.seed.after_seed import Previous, expect_after_seed
from jobsmith.seed.expect import JobState, LastBuild

TYPE_CHECKING = False
if TYPE_CHECKING:
    from tests.alerts.simulation import Build

SEED_AGENT = "seed"


class Seed:
    """The seed job's successive runs: each one's manifest, and when it started."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.previous = Previous({"jobs": {}}, None, "no seed run yet")
        self.runs = 0

    def run(self, at: float, specs: dict[str, dict[str, Any]], builds: list[Build],
            environ: dict[str, str]) -> list[str]:
        """One seed run at `at` for `specs`; what `jobsmith expect` said."""
        import yaml

        self.runs += 1
        tree = self.root / f"seed-{self.runs}" / "jobs"
        for name, spec in specs.items():
            path = tree / f"{name}.yaml"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(yaml.safe_dump(spec))
        tree.mkdir(parents=True, exist_ok=True)
        out = tree.parent / "out"
        generate(tree, out, workers=1)
        manifest = json.loads((out / "manifest.json").read_text())
        said: list[str] = []
        expect_after_seed(manifest, self.previous, lambda job: job_state(job, builds, at),
                          environ=environ, say=said.append, now=at)
        self.previous = Previous(manifest, at, f"seed #{self.runs}")
        return said


def job_state(job: str, builds: list[Build], at: float) -> JobState:
    """What Jenkins' API says of `job` at `at` (`after_seed.job_state` reads the same)."""
    mine = [b for b in builds if b.job == job and b.start <= at]
    done = sorted((b for b in mine if b.end <= at), key=lambda b: b.number)
    building = any(b.end > at for b in mine)
    if not done:
        return JobState(exists=True, building=building)
    last = done[-1]
    before = done[-2].result if len(done) > 1 else None
    return JobState(exists=True, building=building, last=LastBuild(
        number=last.number, result=last.result, started=last.start,
        duration=last.end - last.start, url=None, previous_result=before))

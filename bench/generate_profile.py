"""Where `jobsmith generate` spends its CPU time per job, for the 5,000-job bench tree.

One process, one worker (so the phases add up), each phase timed by wrapping the
function the generator calls for it; CPU time (user + system) from getrusage. Run in a
fresh process, so that the import phase is a cold start as in `jobsmith generate`.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.generate import write_specs

COUNT = 5000
PHASES = (
    ("import", "imports (pydantic models, jinja2, yaml)"),
    ("discover", "discovery: walk the tree, check names"),
    ("read", "read a spec file and parse its YAML (line by line, or libyaml)"),
    ("validate", "validate it into the model (pydantic, cron, labels)"),
    ("render", "render the pipeline and the job's data"),
    ("write", "write the job's pipeline file"),
    ("line", "the job's line of seed data (JSON)"),
    ("rest", "the rest: manifest, data file, commit of OUT"),
)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _timed(spent: dict[str, float], name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = _cpu()
        try:
            return function(*args, **kwargs)
        finally:
            spent[name] = spent.get(name, 0.0) + _cpu() - started

    return wrapper


def measure(root: str) -> None:
    """In a fresh process: generate `root`/jobs into `root`/out, phases timed; prints JSON."""
    started = _cpu()
    from jobsmith.generator import generate as generate_module
    from jobsmith.spec import tree

    generate_py = sys.modules["jobsmith.generator.build"]
    render_py = sys.modules["jobsmith.generator.render"]
    spent: dict[str, float] = {"import": _cpu() - started}
    for owner, name, phase in ((generate_py, "discover", "discover"),
                               (tree, "read_spec_file", "read"),
                               (tree.SpecLoader, "load", "load"),
                               (generate_py, "render_job", "render"),
                               (generate_py, "write_file", "write"),
                               (render_py, "data_line", "line")):  # within render_job
        setattr(owner, name, _timed(spent, phase, getattr(owner, name)))
    wall = time.perf_counter()
    run_started = _cpu()
    generate_module(Path(root) / "jobs", Path(root) / "out", workers=1)
    spent["total"] = _cpu() - run_started + spent["import"]
    spent["wall"] = time.perf_counter() - wall
    spent["validate"] = spent.pop("load") - spent["read"]
    spent["render"] -= spent["line"]
    spent["rest"] = spent["total"] - sum(spent[name] for name, _ in PHASES if name != "rest")
    print(json.dumps(spent))


def main() -> None:
    from bench.generate import scratch_places

    where, directory, _ = scratch_places()[0]
    with tempfile.TemporaryDirectory(dir=directory) as scratch:
        write_specs(Path(scratch) / "jobs", COUNT)
        code = f"from bench.generate_profile import measure; measure({scratch!r})"
        result = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                                text=True, env=dict(os.environ))
    spent = json.loads(result.stdout)
    total = spent["total"]
    print(f"### where jobsmith's CPU goes: {COUNT:,} jobs, one process, one worker, "
          f"{where}\n")
    print("| phase | CPU s | µs per job | share |")
    print("|---|---:|---:|---:|")
    for name, title in PHASES:
        print(f"| {title} | {spent[name]:.2f} | {1e6 * spent[name] / COUNT:.0f} "
              f"| {100 * spent[name] / total:.0f} % |")
    print(f"| total | {total:.2f} | {1e6 * total / COUNT:.0f} | 100 % |")
    print(f"\nOne worker, {spent['wall']:.2f} s wall for the run after the imports.\n")


if __name__ == "__main__":
    main()

"""`make bench`: every benchmark, each in a fresh process, each printing its own table.

A fresh process per benchmark keeps one benchmark's memory out of the next one's peak
RSS readings (a spawned child's peak starts at its parent's size).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]
MODULES = ("bench.generate", "bench.seed", "bench.schedule", "bench.forecast", "bench.wrapper",
           "bench.faults", "bench.alerts")


def main() -> int:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    failed = 0
    for name in MODULES:
        code = f"import {name} as bench; bench.main()"
        result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=False)
        sys.stdout.flush()
        if result.returncode != 0:
            print(f"## {name}: failed (exit {result.returncode})\n")
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

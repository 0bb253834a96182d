"""`make bench`: every benchmark, each printing its own table."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))

MODULES = ("bench.generate", "bench.schedule", "bench.wrapper")


def main() -> None:
    for name in MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            print(f"## {name}: not available ({error})\n")
            continue
        module.main()
        sys.stdout.flush()


if __name__ == "__main__":
    main()

"""`make demo` as a newcomer sees it: no make error lines, the schedule fits a terminal,
it tries a job with `jobsmith try`, and it ends with what to do next.

It runs in a copy of the examples (so `build/` lands in a temporary directory) with this
checkout's virtualenv, which make is told not to rebuild."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_make_demo(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    venv = Path(sys.executable).parent.parent
    done = subprocess.run(
        ["make", "--no-print-directory", "-C", str(tmp_path), "-f", str(ROOT / "Makefile"),
         f"VENV={venv}", "-o", f"{venv}/.runtime", "demo"],
        capture_output=True, text=True, check=False, timeout=300)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "make:" not in output and "Error" not in output
    lines = done.stdout.splitlines()
    table = lines[lines.index(next(line for line in lines if line.startswith("== 2."))) + 1:]
    table = table[:table.index("")]
    assert table and max(len(line) for line in table) < 100
    assert "jobsmith try: disk-space finished: SUCCESS (exit status 0)" in output
    assert lines[-5] == "Next:" and "docs/deploy.md" in lines[-2]

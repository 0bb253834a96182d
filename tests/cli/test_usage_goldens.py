"""Golden usage cases: `fixtures/usage/NAME.sh` runs the real `jobsmith` in an empty
directory; its output (stdout and stderr together, each command's exit status after it)
must equal `NAME.out`. `make goldens` rewrites them; review the diff."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures" / "usage"
CASES = sorted(path.stem for path in FIXTURES.glob("*.sh"))
REGENERATE = os.environ.get("JOBSMITH_REGENERATE_GOLDENS") == "1"


def _run(case: str, where: Path) -> str:
    lines = ["set -o pipefail"]  # a piped command's status is the command's own
    for line in (FIXTURES / f"{case}.sh").read_text().splitlines():
        lines.append(line)
        # After each jobsmith command: its exit status, so the golden shows it.
        command = not line.startswith("#") and not line.rstrip().endswith("\\")
        if command and ("jobsmith " in line or lines[-2].rstrip().endswith("\\")):
            lines.append('echo "[exit status $?]"')
    env = {key: value for key, value in os.environ.items() if not key.startswith("JOBSMITH_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    done = subprocess.run(["bash", "-c", "\n".join(lines)], cwd=where, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          check=False, timeout=120)
    return done.stdout


@pytest.mark.parametrize("case", CASES)
def test_usage_golden(case: str, tmp_path: Path) -> None:
    output = _run(case, tmp_path)
    golden = FIXTURES / f"{case}.out"
    if REGENERATE:
        golden.write_text(output)
    assert output == golden.read_text()


def test_there_are_cases() -> None:
    assert len(CASES) >= 8

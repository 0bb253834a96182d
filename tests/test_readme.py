"""The README's five-minute tour works as written: its shell blocks run, in order, in
an empty directory, and what it shows matches what the commands print."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def _tour() -> str:
    text = README.read_text(encoding="utf-8")
    return text[text.index("## Five-minute tour"):text.index("**Next")]


def _blocks(kind: str) -> list[str]:
    """The bodies of the tour's fenced blocks of one kind (`sh`, or "" for plain)."""
    found: list[str] = []
    info: str | None = None
    body: list[str] = []
    for line in _tour().split("\n"):
        if line.startswith("```"):
            if info is None:
                info, body = line[3:], []
            else:
                if info == kind:
                    found.append("\n".join(body) + "\n")
                info = None
        elif info is not None:
            body.append(line)
    return found


def _run(script: str, where: Path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("JOBSMITH_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return subprocess.run(["bash", "-c", "set -euo pipefail\n" + script], cwd=where, env=env,
                          capture_output=True, text=True, check=False, timeout=300)


def test_the_tour_runs_as_written(tmp_path: Path) -> None:
    blocks = _blocks("sh")
    assert len(blocks) >= 5
    done = _run("\n".join(blocks), tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "hello, world" in done.stdout and "hello, team" in done.stdout
    pipeline = (tmp_path / "build/out/pipelines/hello/greet.groovy").read_text()
    step = ("jobsmith run --job hello/greet --stage greet --record .jobsmith/greet.json"
            " --timeout 1m --retries 2 ")
    assert step in pipeline
    assert step in _tour()


def test_the_mistake_shown_is_what_validate_prints(tmp_path: Path) -> None:
    _run(_blocks("sh")[0], tmp_path)
    spec = tmp_path / "jobs/hello/greet.yaml"
    spec.write_text(spec.read_text().replace("timeout: 1m", "timeout: soon"))
    done = _run("jobsmith validate jobs", tmp_path)
    assert done.returncode == 2
    shown = next(block for block in _blocks("") if "timeout" in block)
    assert done.stderr.startswith(shown)

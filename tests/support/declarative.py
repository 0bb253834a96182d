"""Run a generated pipeline under Groovy 2.4 with stand-ins for Declarative and the
Jenkins steps (`declarative_run.groovy`): the events, one per line."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

from tests.support.groovy import HERE, _env, require_groovy


def run_pipeline(path: Path, online: Sequence[str] = (), failing: Sequence[str] = (),
                 causes: Sequence[str] = (), post: bool = False,
                 previous: Sequence[str] = ()) -> list[str]:
    """The events; with `post`, also those of the pipeline's `post` (after RESULT).
    `previous`: the results of the completed builds before this one, nearest first."""
    require_groovy()
    result = subprocess.run(
        ["groovy", str(HERE / "declarative_run.groovy"), str(path), ",".join(online),
         ",".join(failing), ",".join(causes), ",".join(previous)],
        capture_output=True, text=True, env=_env(), timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert not [line for line in lines if line.startswith("POST failure")], lines[-5:]
    events = [line for line in lines if not line.startswith("POST ")]
    assert events and events[-1].startswith("RESULT "), result.stdout[-2000:]
    return lines if post else events

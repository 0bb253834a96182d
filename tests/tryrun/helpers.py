"""What the `jobsmith try` tests share: a spec tree on disk and the real command run on it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

JOBSMITH = str(Path(sys.executable).parent / "jobsmith")


def write_spec(tmp_path: Path, name: str, text: str) -> Path:
    """Write `<tmp_path>/jobs/<name>.yaml`; the spec root."""
    jobs = tmp_path / "jobs"
    path = jobs / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return jobs


def clean_env(**settings: str) -> dict[str, str]:
    """This environment without the JOBSMITH_* settings and BUILD_URL of whoever runs the
    tests (a try must not pick them up), plus `settings`."""
    base = {k: v for k, v in os.environ.items()
            if not k.startswith("JOBSMITH_") and k != "BUILD_URL"}
    return {**base, **settings}


def run_try(jobs: Path, *args: str, env: dict[str, str] | None = None
            ) -> subprocess.CompletedProcess[str]:
    """`jobsmith try ARGS --specs JOBS` as a real process, in `clean_env()` plus `env`."""
    return subprocess.run([JOBSMITH, "try", *args, "--specs", str(jobs)], capture_output=True,
                          text=True, env={**clean_env(), **(env or {})}, check=False,
                          timeout=120)

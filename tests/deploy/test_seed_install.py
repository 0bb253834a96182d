"""The seed pipeline's "Install jobsmith" step, as Groovy 2.4 hands it to `sh`, run for
real in a scratch workspace: it installs the release JOBSMITH_PIP_SPEC names, and
refuses whatever would make pip ask a public index for the bare name `jobsmith`."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.support.groovy import JAVA_HOME, require_groovy

ROOT = Path(__file__).resolve().parents[2]
STUB = ROOT / "tests" / "seed" / "jenkinsfile_stub.groovy"


@pytest.fixture(scope="module")
def install_step() -> str:
    require_groovy()
    env = {**os.environ, "JAVA_HOME": os.environ.get("JAVA_HOME", JAVA_HOME)}
    result = subprocess.run(["groovy", str(STUB), str(ROOT / "Jenkinsfile")],
                            capture_output=True, text=True, env=env, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    calls = json.loads(result.stdout.strip().splitlines()[-1])
    stages = [c["args"][0] for c in calls if c["name"] == "stage"]
    shells = [c["args"][0] for c in calls if c["name"] == "sh"]
    assert stages[0] == "Install jobsmith"
    return str(shells[0])


def _run(script: str, workspace: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items()
               if k not in ("JOBSMITH_PIP_SPEC", "JOBSMITH_INDEX_URL")}
    environ.update(env)
    return subprocess.run(["sh", "-c", script], cwd=workspace, capture_output=True,
                          text=True, env=environ, timeout=600, check=False)


@pytest.mark.parametrize(("env", "message"), [
    ({}, "JOBSMITH_PIP_SPEC=(unset): name a jobsmith release"),
    ({"JOBSMITH_PIP_SPEC": ""}, "JOBSMITH_PIP_SPEC=(unset): name a jobsmith release"),
    ({"JOBSMITH_PIP_SPEC": "jobsmith"}, "JOBSMITH_PIP_SPEC=jobsmith: name a jobsmith release"),
    ({"JOBSMITH_PIP_SPEC": "jobsmith==0.1.0"}, "set JOBSMITH_INDEX_URL to your own index"),
    ({"JOBSMITH_PIP_SPEC": "git+https://git.example.com/jobsmith.git"}, "name a tag"),
])
def test_the_seed_refuses_an_unnamed_release(install_step: str, tmp_path: Path,
                                             env: dict[str, str], message: str) -> None:
    result = _run(install_step, tmp_path, **env)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert not (tmp_path / ".jobsmith-venv").exists()  # before any venv or pip


def test_the_seed_installs_the_named_wheel(install_step: str, tmp_path: Path,
                                           wheel: Path) -> None:
    from jobsmith import __version__

    result = _run(install_step, tmp_path, JOBSMITH_PIP_SPEC=str(wheel))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == f"jobsmith, version {__version__}"

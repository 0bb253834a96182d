from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.seed.conftest import client, fake  # noqa: F401  (the fake Jenkins, for health)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """`make dist`, into a directory of its own."""
    dist = tmp_path_factory.mktemp("dist")
    result = subprocess.run(["make", "-s", "dist", f"DIST={dist}"], cwd=ROOT,
                            capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stderr
    [built] = dist.glob("*.whl")
    yield built

"""The real Job DSL engine (job-dsl-core 1.94, standalone, see ../shared/jobdsl/README.md).

Found at `$JOBSMITH_JOBDSL`, else `<repo>/../shared/jobdsl`, else `/work/shared/jobdsl`
(a worktree of the repository lies elsewhere than the main checkout).
"""

from __future__ import annotations

import os
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
JAVA_HOME = "/usr/lib/jvm/java-17-openjdk-amd64"


def engine_home() -> Path | None:
    candidates = [os.environ.get("JOBSMITH_JOBDSL"), REPO.parent / "shared" / "jobdsl",
                  "/work/shared/jobdsl"]
    for candidate in candidates:
        if candidate and (Path(candidate) / "run-dsl.sh").is_file():
            return Path(candidate)
    return None


def require_engine() -> Path:
    home = engine_home()
    if home is None:
        pytest.skip("the real Job DSL engine is absent: no run-dsl.sh in $JOBSMITH_JOBDSL, "
                    f"{REPO.parent / 'shared' / 'jobdsl'} or /work/shared/jobdsl")
    return home


@dataclass(frozen=True)
class EngineRun:
    xml_dir: Path
    stdout: str
    warnings: list[str]

    def items(self) -> dict[str, bytes]:
        """Full item name -> its config.xml bytes."""
        return {p.relative_to(self.xml_dir).with_suffix("").as_posix(): p.read_bytes()
                for p in sorted(self.xml_dir.rglob("*.xml"))}

    def xml(self, full_name: str) -> ET.Element:
        return ET.parse(self.xml_dir / f"{full_name}.xml").getroot()


def run_dsl(scripts: list[Path], workspace: Path, xml_dir: Path, *,
            strict: bool = True) -> EngineRun:
    """Run `scripts` in one engine JVM, as one `jobDsl` step runs its targets;
    `strict` adds `--check-names --require-folders`. Fails the test when the engine does."""
    home = require_engine()
    env = dict(os.environ, JOBDSL_WORKSPACE=str(workspace))
    env.setdefault("JAVA_HOME", JAVA_HOME)
    flags = ["--check-names", "--require-folders"] if strict else []
    result = subprocess.run([str(home / "run-dsl.sh"), *flags, *map(str, scripts), str(xml_dir)],
                            capture_output=True, text=True, env=env, timeout=600, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    warnings = (xml_dir / "_warnings.txt").read_text().splitlines()
    return EngineRun(xml_dir, result.stdout, warnings)

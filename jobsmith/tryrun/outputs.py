"""A stage's `outputs`, handed on as the pipeline hands them: `stash` after the stage,
`unstash` in each later stage's workspace (a stage's workspace starts empty)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any


def stage_outputs(stage: Any) -> tuple[str, ...]:
    """The stage's `outputs` patterns (none before the key exists on a stage)."""
    outputs = getattr(stage, "outputs", None)
    if not outputs:
        return ()
    return tuple(str(pattern) for pattern in outputs)


def stash(stashes: dict[str, Path], stage: Any, workspace: Path) -> str | None:
    """Keep the stage's outputs; a problem (as Jenkins' `stash` reports it) or None."""
    patterns = stage_outputs(stage)
    if not patterns:
        return None
    files = sorted({path for pattern in patterns for path in workspace.glob(pattern)
                    if path.is_file()})
    if not files:
        return f"no files match the outputs {', '.join(patterns)} (Jenkins' stash fails too)"
    keep = Path(tempfile.mkdtemp(prefix="stash-", dir=workspace.parent))
    for path in files:
        target = keep / path.relative_to(workspace)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    stashes[stage.name] = keep
    return None


def unstash(stashes: dict[str, Path], workspace: Path) -> None:
    for keep in stashes.values():
        shutil.copytree(keep, workspace, dirs_exist_ok=True)

"""A stage's `outputs`, handed on as the pipeline hands them: after the stage,
`stash(name:, includes:, allowEmpty: false)`; in each later stage, before its step,
`unstash(name)` into that stage's own (empty) workspace.

The generator names the stash and its Ant-style `includes` (`out/**` for a directory)
on the stage's view; before it does, a stage's `outputs` paths are used as they are.
"""

from __future__ import annotations

import glob
import shutil
from pathlib import Path
from typing import Any


def stash_of(view: Any, stage: Any) -> tuple[str, list[str]] | None:
    """(stash name, patterns) of a stage, or None when it hands nothing on."""
    stash = getattr(view, "stash", None)
    if stash is not None:
        return str(stash.name), [p for p in str(stash.includes).split(",") if p]
    outputs = tuple(getattr(stage, "outputs", None) or ())
    if not outputs:
        return None
    patterns = [f"{p.rstrip('/')}/**" if p.endswith("/") else p for p in map(str, outputs)]
    return f"jobsmith outputs of {stage.name}", patterns


def stash(stashes: dict[str, Path], view: Any, stage: Any, workspace: Path) -> str | None:
    """Keep the stage's outputs; a problem (as Jenkins' `stash` reports it) or None."""
    found = stash_of(view, stage)
    if found is None:
        return None
    name, patterns = found
    files = sorted({Path(workspace, match) for pattern in patterns
                    for match in glob.glob(pattern, root_dir=workspace, recursive=True)
                    if Path(workspace, match).is_file()})
    if not files:
        return f"no files match the outputs {', '.join(patterns)} (Jenkins' stash fails too)"
    keep = Path(workspace.parent, f"stash-{len(stashes)}")
    for path in files:
        target = keep / path.relative_to(workspace)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    stashes[name] = keep
    return None


def unstash(stashes: dict[str, Path], view: Any, workspace: Path) -> None:
    """Bring in the stashes the pipeline unstashes for this stage (all earlier ones
    before the generator lists them)."""
    names = getattr(view, "unstash", None)
    for name in (list(stashes) if names is None else names):
        if name in stashes:
            shutil.copytree(stashes[name], workspace, dirs_exist_ok=True)

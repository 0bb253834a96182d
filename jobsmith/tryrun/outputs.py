"""A stage's `outputs`, handed on as the pipeline hands them.

After the stage's step the pipeline runs `stash(name:, includes:, allowEmpty: false)`
and, in each later stage, `unstash(name)` into that stage's own workspace (the names
and includes are the generator's, `jobsmith.generator.steps.stash_of`). What `stash`
takes, read from the sources:

- workflow-api `StashManager.stash` archives `DirScanner.Glob(includes, excludes,
  useDefaultExcludes)` (`stash`'s `useDefaultExcludes` is true) and, when that counted no
  file and `allowEmpty` is false, fails the step: "No files included in stash ‘NAME’".
- core `DirScanner.Glob.scan` builds its Ant `FileSet` with `Util.createFileSet`, which
  splits the includes on `,` and trims each pattern, and takes `getIncludedFiles()`:
  files only, a directory on its own matches nothing.
- Ant `DirectoryScanner`: a pattern ending in `/` gets `**` appended
  (`normalizePattern`); `SelectorUtils.matchPath` matches segment by segment, `**`
  standing for any number of directories, `*` and `?` within one name (a leading `.`
  included: Ant has no hidden files); `DEFAULTEXCLUDES` below leave version-control and
  editor files out.
- The tar archive keeps file modes, and a symbolic link as a link; `unstash` unpacks it
  over the workspace, replacing files of the same names.
"""

from __future__ import annotations

import os
import re
import shutil
from functools import cache
from pathlib import Path

from jobsmith.generator.steps import StageView, Stash

# org.apache.tools.ant.DirectoryScanner.DEFAULTEXCLUDES (Ant 1.10, which Jenkins ships).
DEFAULT_EXCLUDES = (
    "**/*~", "**/#*#", "**/.#*", "**/%*%", "**/._*",
    "**/CVS", "**/CVS/**", "**/.cvsignore",
    "**/SCCS", "**/SCCS/**", "**/vssver.scc",
    "**/.svn", "**/.svn/**",
    "**/.git", "**/.git/**", "**/.gitattributes", "**/.gitignore", "**/.gitmodules",
    "**/.hg", "**/.hg/**", "**/.hgignore", "**/.hgsub", "**/.hgsubstate", "**/.hgtags",
    "**/.bzr", "**/.bzr/**", "**/.bzrignore",
    "**/.DS_Store",
)


def patterns(stash: Stash) -> list[str]:
    """The include patterns as `Util.createFileSet` reads them."""
    found = [part.strip() for part in stash.includes.split(",")]
    return [f"{p}**" if p.endswith(("/", "\\")) else p for p in found if p]


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    parts = []
    for segment in pattern.replace("\\", "/").split("/"):
        if segment == "**":
            parts.append("(?:[^/]+/)*")
        else:
            body = "".join("[^/]*" if c == "*" else "[^/]" if c == "?" else re.escape(c)
                           for c in segment)
            parts.append(body + "/")
    return re.compile("".join(parts))


def ant_match(pattern: str, path: str) -> bool:
    """Whether the relative `path` (with `/`) matches the Ant `pattern`."""
    return _compiled(pattern).fullmatch(path + "/") is not None


def _takes(entry: os.DirEntry[str], rel: str, includes: list[str]) -> bool:
    """Whether the scan takes this non-directory. Ant checks a pattern without wildcards
    by looking the file up (a broken link is not there), and a wildcard one against the
    names it lists (a broken link is listed, and archived as a link)."""
    if any(ant_match(p, rel) for p in DEFAULT_EXCLUDES):
        return False
    matching = [p for p in includes if ant_match(p, rel)]
    if entry.is_file():
        return bool(matching)
    return entry.is_symlink() and any("*" in p or "?" in p for p in matching)


def included_files(workspace: Path, includes: list[str]) -> list[str]:
    """The workspace's files the patterns take (relative, sorted), as `getIncludedFiles`
    gives them with the default excludes on. Linked directories are followed, as Ant
    follows them (their files are listed under the link's path too), but never into a
    directory that holds the link."""
    found: list[str] = []

    def scan(directory: Path, base: str, above: frozenset[str]) -> None:
        try:
            entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
        except OSError:
            return
        for entry in entries:
            rel = f"{base}{entry.name}"
            if entry.is_dir():
                real = os.path.realpath(entry.path)
                if real not in above:
                    scan(Path(entry.path), f"{rel}/", above | {real})
            elif _takes(entry, rel, includes):
                found.append(rel)

    scan(workspace, "", frozenset({os.path.realpath(workspace)}))
    return sorted(found)


def stash(stashes: dict[str, Path], view: StageView, workspace: Path) -> str | None:
    """Keep the stage's outputs; -> a problem (where Jenkins' `stash` fails) or None."""
    if view.stash is None:
        return None
    includes = patterns(view.stash)
    files = included_files(workspace, includes)
    if not files:
        return (f"no file matches the outputs {', '.join(includes)}; Jenkins' stash fails "
                f"the stage too (No files included in stash ‘{view.stash.name}’)")
    keep = Path(workspace.parent, f"stash-{len(stashes)}")
    for rel in files:
        target = keep / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(workspace / rel, target, follow_symlinks=False)
    stashes[view.stash.name] = keep
    return None


def unmatched(view: StageView, workspace: Path) -> list[str]:
    """Patterns of the stage's outputs that took no file while others did: Jenkins'
    `stash` says nothing about them, and a later stage then misses those files."""
    if view.stash is None:
        return []
    includes = patterns(view.stash)
    return [p for p in includes if not included_files(workspace, [p])]


def unstash(stashes: dict[str, Path], view: StageView, workspace: Path) -> list[str]:
    """Bring in the stashes the pipeline unstashes for this stage; -> the names of those
    no stage of this try made (`--stage` ran only a later stage)."""
    missing = []
    for name in view.unstash:
        kept = stashes.get(name)
        if kept is None:
            missing.append(name)
            continue
        shutil.copytree(kept, workspace, symlinks=True, dirs_exist_ok=True)
    return missing

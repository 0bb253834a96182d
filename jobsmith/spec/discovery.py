"""Find the spec files below SPEC_ROOT, and say where any could not be read as one.

Nothing below SPEC_ROOT is dropped silently: what is named like a spec (`*.yaml`,
`*.yml`, not hidden) and cannot be read as one is a problem at `path:1:1`: not a
regular file (a directory, a FIFO, a socket, a device), a broken symbolic link, a
symbolic link loop, a path too long for the system. A directory that cannot be read
is a problem too, whatever it holds, since the specs in it would be missed.

Symbolic links are followed only when they resolve inside SPEC_ROOT: a link to a file
or directory outside is a problem, its target is never read, and no line of it is ever
shown (its problem is marked `quote=False`). A directory link back to one of its own
ancestors is a loop. Hidden files and directories (`.git`, ...) are left out.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from jobsmith.errors import Location, Problem

SPEC_SUFFIXES = (".yaml", ".yml")


def spec_files(root: Path, problems: list[Problem]) -> list[str]:
    """Every spec-named regular file below `root` (defaults files too), in path order, as
    paths relative to `root` (`team/job.yaml`)."""
    walk = _Walk(Path(root), problems)
    walk.directory("", (), frozenset())
    return [relative for _, relative in sorted(walk.found)]


def joined(root: str, relative: str) -> str:
    """`str(Path(root) / relative)` for `root` as `str(Path)` gives it and a `relative`
    made of plain names (no `.`, `..` or empty parts), without making Path objects."""
    if not relative:
        return root
    if root == ".":
        return relative
    return root + relative if root.endswith("/") else f"{root}/{relative}"


def inside(root: Path | str, path: Path | str) -> bool:
    """Whether `path`, its links resolved, lies inside `root`."""
    real_root = os.path.realpath(root)
    real = os.path.realpath(path)
    return real == real_root or real.startswith(real_root.rstrip("/") + "/")


class _Walk:
    """The walk below one root, on plain strings: every path is `joined(root, relative)`,
    the same text as the Path `root / relative` (for the system calls and for display)."""

    def __init__(self, root: Path, problems: list[Problem]) -> None:
        self.root = str(root)
        self.problems = problems
        self.found: list[tuple[tuple[str, ...], str]] = []  # (parts, relative)

    def problem(self, relative: str, message: str, *, quote: bool = True) -> None:
        self.problems.append(Problem(Location(joined(self.root, relative)), message,
                                     quote=quote))

    def directory(self, relative: str, parts: tuple[str, ...],
                  ancestors: frozenset[tuple[int, int]]) -> None:
        path = joined(self.root, relative)
        try:
            info = os.stat(path)
            with os.scandir(path) as entries:
                names = sorted(entry.name for entry in entries)
        except OSError as error:
            self.problem(relative, f"cannot read this directory: {_reason(error)}; "
                                   "the specs in it would be missed")
            return
        ancestors = ancestors | {(info.st_dev, info.st_ino)}
        prefix = f"{relative}/" if relative else ""
        for name in names:
            if not name.startswith("."):
                self.entry(prefix + name, name, (*parts, name), ancestors)

    def entry(self, relative: str, name: str, parts: tuple[str, ...],
              ancestors: frozenset[tuple[int, int]]) -> None:
        # `Path.suffix in SPEC_SUFFIXES`: the same for a name that does not start with "."
        spec_named = name.endswith(SPEC_SUFFIXES)
        path = joined(self.root, relative)
        try:
            link = os.lstat(path)
        except OSError as error:
            if error.errno == errno.ENAMETOOLONG:
                self.problem(relative, f"cannot read: {_reason(error)}; any specs below "
                                       "it would be missed")
            elif spec_named:
                self.problem(relative, f"cannot read this file: {_reason(error)}")
            return
        if stat.S_ISLNK(link.st_mode):
            info = self.link_target(relative, spec_named, ancestors)
            if info is None:
                return
        else:
            info = link
        if stat.S_ISDIR(info.st_mode):
            if spec_named:
                self.problem(relative, "a directory, not a spec file; a job spec is a file "
                                       "(its specs are read as those of a folder)")
            self.directory(relative, parts, ancestors)
        elif spec_named:
            if stat.S_ISREG(info.st_mode):
                self.found.append((parts, relative))
            else:
                self.problem(relative, f"not a regular file ({_kind(info.st_mode)}); "
                                       "a job spec is a file")

    def link_target(self, relative: str, spec_named: bool,
                    ancestors: frozenset[tuple[int, int]]) -> os.stat_result | None:
        """The stat of a link's target when it is to be followed; else None (and a
        problem where something that may hold specs is left out)."""
        path = joined(self.root, relative)
        try:
            info = os.stat(path)
        except OSError as error:
            if spec_named:
                broken = "a symbolic link loop" if error.errno == errno.ELOOP else \
                    f"a broken symbolic link ({_reason(error)})"
                self.problem(relative, f"{broken}; a job spec is a file")
            return None
        within = inside(self.root, path)
        if stat.S_ISDIR(info.st_mode):
            if not within:
                self.problem(relative, "a symbolic link to a directory outside the spec "
                                       "root; not followed (links are followed only inside "
                                       "it)", quote=False)
                return None
            if (info.st_dev, info.st_ino) in ancestors:
                self.problem(relative, "a symbolic link loop (to a directory that holds "
                                       "it); not followed")
                return None
            return info
        if not spec_named:
            return None
        if not within:
            self.problem(relative, "a symbolic link to a file outside the spec root; not "
                                   "read (links are followed only inside it)", quote=False)
            return None
        return info


def _reason(error: OSError) -> str:
    if error.errno == errno.ENAMETOOLONG:
        limit = os.pathconf("/", "PC_PATH_MAX")
        return f"the path is too long for this system (over {limit} bytes)"
    return error.strerror or str(error)


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a file"

"""The job files of a spec tree, found from names alone (no file is parsed yet): each
job's file and full name, and the problems of names and duplicates (`discover`).

Light on imports (no validation model): `jobsmith generate` walks the tree in a helper
process while it imports the rest (`generator.ahead`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from jobsmith.errors import Location, Problem, SpecError
from jobsmith.spec.discovery import joined, spec_files
from jobsmith.spec.names import full_name_problem, metric_collisions

DEFAULTS_NAMES = ("_defaults.yaml", "_defaults.yml")


def folders_of(full_names: Iterable[str]) -> list[str]:
    """Every folder that holds one of the jobs, parents before children."""
    found = {"/".join(name.split("/")[:depth])
             for name in full_names for depth in range(1, name.count("/") + 1)}
    return sorted(found, key=lambda folder: (folder.count("/"), folder))


@dataclass(frozen=True)
class SpecFile:
    display: str  # the path as errors show it: SPEC_ROOT/relative (str(SPEC_ROOT / relative))
    full_name: str

    @cached_property
    def path(self) -> Path:
        # Made where the file is read (in a worker of `generate`), not for every file
        # while the tree is walked.
        return Path(self.display)

    def __reduce__(self) -> tuple[type[SpecFile], tuple[str, str]]:
        # Pickled as its two fields (`generator.ahead` sends thousands): a frozen dataclass's
        # default state takes ~2.5 us each to load, this ~0.5 us (its Path is made again).
        return SpecFile, (self.display, self.full_name)


@dataclass
class Discovery:
    """The job files of a tree, found from names alone (no file is parsed yet)."""

    root: Path
    files: list[SpecFile]
    problems: list[Problem]

    @property
    def full_names(self) -> list[str]:
        return [spec.full_name for spec in self.files]


def discover(root: Path) -> Discovery:
    """Find every job file below `root`, with problems of names and duplicates."""
    root = Path(root)
    if not root.is_dir():
        raise SpecError([Problem(Location(str(root)), "spec root is not a directory")])
    problems: list[Problem] = []
    files: list[SpecFile] = []
    seen: set[str] = set()
    shown = str(root)
    for relative in _spec_files(root, problems):
        display = joined(shown, relative)
        full_name = relative[:relative.rindex(".")]  # without its suffix (.yaml, .yml)
        bad_name = full_name_problem(full_name)
        if bad_name is not None:
            problems.append(Problem(Location(display), f"not a Jenkins job or folder name: "
                                    f"{bad_name}"))
            continue
        if full_name.lower() in seen:
            problems.append(Problem(Location(display),
                                    f"job {full_name!r} is defined twice (.yaml and .yml?)"))
            continue
        seen.add(full_name.lower())
        files.append(SpecFile(display, full_name))
    folders = set(folders_of(spec.full_name for spec in files))  # at every depth
    for spec in files:
        name = spec.full_name
        if name in folders:
            problems.append(Problem(Location(spec.display),
                                    f"job {name!r} has the name of a folder of other jobs "
                                    f"({name}/); Jenkins cannot hold both: rename one"))
    problems.extend(metric_collisions((spec.full_name, Location(spec.display))
                                      for spec in files))
    if not files and not problems:
        problems.append(Problem(Location(str(root)), "no job specs (*.yaml, *.yml) found"))
    return Discovery(root, files, problems)


def _spec_files(root: Path, problems: list[Problem]) -> Iterator[str]:
    """Job spec files below `root` in path order, relative to it (`discovery.py`: what
    is left out, why)."""
    for relative in spec_files(root, problems):
        name = relative[relative.rfind("/") + 1:]
        if name in DEFAULTS_NAMES:
            continue
        if name.startswith("_"):
            problems.append(Problem(Location(joined(str(root), relative)),
                                    "files starting with '_' are reserved; the only one "
                                    f"allowed is {DEFAULTS_NAMES[0]}"))
            continue
        yield relative

"""Load a spec tree: one job per file, folders from directories, `_defaults` merged in.

Every file is checked and every problem is collected; the caller gets either a whole
valid tree or one SpecError listing all problems.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from jobsmith.errors import Location, Problem, SpecError
from jobsmith.spec.dependencies import TreeLinks, check_links
from jobsmith.spec.discovery import SPEC_SUFFIXES, inside
from jobsmith.spec.jobfiles import DEFAULTS_NAMES, Discovery, SpecFile, discover, folders_of
from jobsmith.spec.messages import pydantic_problem
from jobsmith.spec.model import JobDocument, JobSpec
from jobsmith.spec.warnings import SPOTS
from jobsmith.spec.wholechecks import raw_links, whole_document_problems
from jobsmith.spec.yamlsource import Located, Path_, SourceError, read_spec_file


@dataclass(frozen=True)
class SpecTree:
    root: Path
    jobs: dict[str, JobSpec]

    @property
    def folders(self) -> list[str]:
        return folders_of(self.jobs)


class SpecLoader:
    """Loads job files of one tree; each `_defaults` file is read once."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._defaults: dict[Path, Located | None] = {}
        # The `_defaults` layers that apply in each folder (by its full name), in order.
        self._layers: dict[str, list[Located]] = {}
        # `after` entries of jobs whose files have problems, checked across the tree
        # in the same round as everything else.
        self.invalid_links: list[TreeLinks] = []

    def load(self, spec: SpecFile) -> JobSpec | list[Problem]:
        problems: list[Problem] = []
        folder = spec.full_name.rpartition("/")[0]
        if folder not in self._layers:  # a defaults file's problems come with its first job
            found = [_defaults(directory, self.root, self._defaults, problems)
                     for directory in _ancestors(self.root, spec.path.parent)]
            self._layers[folder] = [layer for layer in found if layer is not None]
        layers = list(self._layers[folder])
        try:
            # `display` is the path as given (str of SPEC_ROOT / relative): no Path per job
            layers.append(read_spec_file(spec.display, spec.display))
        except SourceError as error:
            return [*problems, error.problem]
        merged = _merge(layers)
        job = _validate(merged, spec.full_name, spec.display, problems)
        if job is None:
            self.invalid_links.append(raw_links(merged, spec.full_name, spec.display))
        return job if job is not None and not problems else problems


def load_tree(root: Path, only: Iterable[Path] | None = None) -> SpecTree:
    """Load and validate every job spec below `root`, or only the files `only` names
    (with the tree's `_defaults`, and checked against the tree's other job names);
    SpecError lists every problem."""
    discovery = discover(root)
    problems = list(discovery.problems)
    files = discovery.files
    if only is not None:
        files, problems = _only(discovery, [Path(path) for path in only])
    loader = SpecLoader(discovery.root)
    jobs: dict[str, JobSpec] = {}
    for spec in files:
        loaded = loader.load(spec)
        if isinstance(loaded, list):
            problems.extend(loaded)
        else:
            jobs[spec.full_name] = loaded
    # Across files in the same round: a job whose own file has problems still exists.
    problems.extend(check_links([tree_links(job) for job in jobs.values()],
                                known=discovery.full_names, unchecked=loader.invalid_links))
    if problems:
        raise SpecError(list(dict.fromkeys(problems)))
    return SpecTree(root=discovery.root, jobs=dict(sorted(jobs.items())))


def _only(discovery: Discovery, paths: list[Path]) -> tuple[list[SpecFile], list[Problem]]:
    by_path = {spec.path.resolve(): spec for spec in discovery.files}
    files: list[SpecFile] = []
    problems: list[Problem] = []
    for path in paths:
        spec = by_path.get(path.resolve())
        if spec is not None:
            files.append(spec)
        elif path.name in DEFAULTS_NAMES:
            problems.append(Problem(Location(str(path)), "a defaults file is checked with the "
                                    f"jobs it applies to: validate {path.parent} instead"))
        elif not path.is_file():
            problems.append(Problem(Location(str(path)), "no such file"))
        elif path.suffix not in SPEC_SUFFIXES:
            problems.append(Problem(Location(str(path)), "not a job spec: a spec file's "
                                    "name ends in .yaml or .yml"))
    shown = {spec.display for spec in files}
    problems += [p for p in discovery.problems if p.location.path in shown]
    # A file the discovery refused (a bad name) is reported by its own problem.
    refused = {str(path) for path in paths} - shown - {p.location.path for p in problems}
    problems += [p for p in discovery.problems if p.location.path in refused]
    return files, problems


def tree_of(path: Path) -> Path:
    """The spec tree a single file belongs to: its nearest directory named `jobs` (the
    default SPEC_ROOT), else the highest directory up to here holding `_defaults`, else
    the file's own directory."""
    path = Path(path)
    ancestors = list(path.resolve().parents)

    def shown(directory: Path) -> Path:  # relative paths stay relative in messages
        return directory if path.is_absolute() else Path(os.path.relpath(directory))

    for directory in ancestors:
        if directory.name == "jobs":
            return shown(directory)
    here = Path.cwd().resolve()
    with_defaults = [d for d in ancestors if d.is_relative_to(here)
                     and any((d / n).is_file() for n in DEFAULTS_NAMES)]
    return shown(with_defaults[-1]) if with_defaults else path.parent


def tree_links(job: JobSpec) -> TreeLinks:
    """What `job` says about other jobs, for the checks across the tree."""
    category = None
    if job.throttle is not None and job.throttle.category is not None:
        category = (job.throttle.category, job.throttle.max_total, job.throttle.max_per_node,
                    job.throttle_at or Location(job.source))
    return TreeLinks(job.full_name, tuple(zip(job.after, job.after_at, strict=True)), category)


def _display(root: Path, path: Path) -> str:
    return str(root / path.relative_to(root))


def _ancestors(root: Path, directory: Path) -> list[Path]:
    chain = [directory]
    while chain[-1] != root:
        chain.append(chain[-1].parent)
    return list(reversed(chain))


def _defaults(directory: Path, root: Path, cache: dict[Path, Located | None],
              problems: list[Problem]) -> Located | None:
    if directory in cache:
        return cache[directory]
    found = [directory / name for name in DEFAULTS_NAMES
             if (directory / name).is_file() and inside(root, directory / name)]
    layer: Located | None = None
    if len(found) == 2:
        problems.append(Problem(Location(_display(root, found[1])),
                                "both _defaults.yaml and _defaults.yml exist; keep one"))
    elif found:
        try:
            layer = read_spec_file(found[0], _display(root, found[0]))
        except SourceError as error:
            if "file is empty" not in error.problem.message:
                problems.append(error.problem)
    cache[directory] = layer
    return layer


def _merge(layers: list[Located]) -> Located:
    """Deep-merge layers (later wins): maps merge, lists and scalars replace."""
    if len(layers) == 1:  # no defaults apply: the job's own file, as it is (read-only)
        return layers[0]
    merged = Located(data={})
    for layer in layers:
        merged.data = _merge_value(merged.data, layer.data, (), layer, merged)
    return merged


def _merge_value(base: Any, over: Any, path: Path_, layer: Located, merged: Located) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        result = dict(base)
        for key, value in over.items():
            child = (*path, key)
            merged.keys[child] = layer.keys[child]
            result[key] = _merge_value(base.get(key), value, child, layer, merged)
        merged.values[path] = layer.values.get(path, merged.values.get(path, Location("")))
        return result
    _copy_locations(layer, merged, path)
    return over


def _copy_locations(layer: Located, merged: Located, path: Path_) -> None:
    size = len(path)
    for table, target in ((layer.values, merged.values), (layer.keys, merged.keys)):
        if path in merged.values:  # replacing an earlier layer's value: forget its parts
            for key in [k for k in target if len(k) > size and k[:size] == path]:
                del target[key]
        if size == 0:
            target.update(table)
            continue
        for key, location in table.items():
            if key[:size] == path:
                target[key] = location
    for key in layer.block_scalars:
        if key[:size] == path:
            merged.block_scalars.add(key)
    for key in layer.quoted:
        if key[:size] == path:
            merged.quoted.add(key)


def _validate(merged: Located, full_name: str, display: str,
              problems: list[Problem]) -> JobSpec | None:
    try:
        document = JobDocument.model_validate(merged.data)
    except ValidationError as error:
        for item in error.errors():
            problems.append(pydantic_problem(item, merged, display))
        problems.extend(whole_document_problems(merged, display))
        return None
    where = merged.value_at
    after_at = tuple(where(("after", i)) or Location(display) for i in range(len(document.after)))
    throttle_at = where(("throttle", "category")) if document.throttle else None
    key_at = {path: at for path in SPOTS if (at := where(path)) is not None}
    job = job_spec(document, full_name=full_name, source=display, after_at=after_at,
                   throttle_at=throttle_at, key_at=key_at)
    if job.schedule is not None and not _fires_within_two_years(job):
        problems.append(Problem(merged.value_at(("schedule",)) or Location(display),
                                "`schedule`: this schedule never fires within two years "
                                "(no date matches every field: Jenkins requires day of "
                                "month, month and day of week all to match)"))
    return job


_set = object.__setattr__


def job_spec(document: JobDocument, **where: Any) -> JobSpec:
    """The JobSpec of a validated `document` and `where` (JobSpec's own fields): what
    `JobSpec.model_construct(**fields, **where)` makes, without its loop over every
    field's aliases and defaults (~6 us a job; tests/spec/test_tree.py compares both)."""
    job = JobSpec.__new__(JobSpec)
    values = {**document.__dict__, **where}
    _set(job, "__dict__", values)
    _set(job, "__pydantic_fields_set__", set(values))
    _set(job, "__pydantic_extra__", None)
    _set(job, "__pydantic_private__", None)
    return job


def _fires_within_two_years(job: JobSpec) -> bool:
    resolved = job.resolved_schedule
    assert resolved is not None
    if any(_every_day(line.days, line.weekdays) for line in resolved.lines):
        # Fires on every day of the months it names, and each month comes within a year.
        return True
    from datetime import UTC, datetime

    from jobsmith.cron import next_runs

    return bool(next_runs(resolved, datetime.now(UTC), 1))


def _every_day(days: tuple[int, ...], weekdays: tuple[int, ...]) -> bool:
    return len(days) == 31 and len(weekdays) == 7

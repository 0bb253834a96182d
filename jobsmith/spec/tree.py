"""Load a spec tree: one job per file, folders from directories, `_defaults` merged in.

Every file is checked and every problem is collected; the caller gets either a whole
valid tree or one SpecError listing all problems.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from jobsmith.errors import Location, Problem, SpecError
from jobsmith.spec.dependencies import TreeLinks, check_links
from jobsmith.spec.fields import CREDENTIAL_ID, HANDLER, IDENTIFIER
from jobsmith.spec.model import JOB_NAME, LOCK_NAME, JobDocument, JobSpec
from jobsmith.spec.stages import GIT_BRANCH, GIT_URL, HTTP_URL, ParallelGroup
from jobsmith.spec.yamlsource import Located, Path_, SourceError, kind_of, read_spec_file

SPEC_SUFFIXES = (".yaml", ".yml")
DEFAULTS_NAMES = ("_defaults.yaml", "_defaults.yml")
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
NAME_RULE = "letters, digits, '.', '_' and '-', starting with a letter or digit"


@dataclass(frozen=True)
class SpecTree:
    root: Path
    jobs: dict[str, JobSpec]

    @property
    def folders(self) -> list[str]:
        return folders_of(self.jobs)


def folders_of(full_names: Iterable[str]) -> list[str]:
    """Every folder that holds one of the jobs, parents before children."""
    found = {"/".join(name.split("/")[:depth])
             for name in full_names for depth in range(1, name.count("/") + 1)}
    return sorted(found, key=lambda folder: (folder.count("/"), folder))


@dataclass(frozen=True)
class SpecFile:
    path: Path
    full_name: str
    display: str  # the path as errors show it: SPEC_ROOT/relative


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
    for path in _spec_files(root, problems):
        display = _display(root, path)
        full_name = path.relative_to(root).with_suffix("").as_posix()
        bad_parts = [p for p in full_name.split("/") if not NAME.match(p)]
        if bad_parts:
            problems.append(Problem(Location(display), f"name {bad_parts[0]!r} cannot be a "
                                    f"Jenkins job or folder name here; use {NAME_RULE}"))
            continue
        if full_name.lower() in seen:
            problems.append(Problem(Location(display),
                                    f"job {full_name!r} is defined twice (.yaml and .yml?)"))
            continue
        seen.add(full_name.lower())
        files.append(SpecFile(path, full_name, display))
    folders = {spec.full_name.rpartition("/")[0] for spec in files}
    for spec in files:
        name = spec.full_name
        if any(folder == name or folder.startswith(f"{name}/") for folder in folders):
            problems.append(Problem(Location(spec.display),
                                    f"job {name!r} has the name of a folder of other jobs "
                                    f"({name}/); Jenkins cannot hold both: rename one"))
    if not files and not problems:
        problems.append(Problem(Location(str(root)), "no job specs (*.yaml, *.yml) found"))
    return Discovery(root, files, problems)


class SpecLoader:
    """Loads job files of one tree; each `_defaults` file is read once."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._defaults: dict[Path, Located | None] = {}

    def load(self, spec: SpecFile) -> JobSpec | list[Problem]:
        problems: list[Problem] = []
        layers: list[Located] = []
        for directory in _ancestors(self.root, spec.path.parent):
            layer = _defaults(directory, self.root, self._defaults, problems)
            if layer is not None:
                layers.append(layer)
        try:
            layers.append(read_spec_file(spec.path, spec.display))
        except SourceError as error:
            return [*problems, error.problem]
        job = _validate(layers, spec.full_name, spec.display, problems)
        return job if job is not None and not problems else problems


def load_tree(root: Path) -> SpecTree:
    """Load and validate every job spec below `root`; SpecError lists every problem."""
    discovery = discover(root)
    problems = list(discovery.problems)
    loader = SpecLoader(discovery.root)
    jobs: dict[str, JobSpec] = {}
    for spec in discovery.files:
        loaded = loader.load(spec)
        if isinstance(loaded, list):
            problems.extend(loaded)
        else:
            jobs[spec.full_name] = loaded
    if not problems:
        problems.extend(check_links([tree_links(job) for job in jobs.values()]))
    if problems:
        raise SpecError(list(dict.fromkeys(problems)))
    return SpecTree(root=discovery.root, jobs=dict(sorted(jobs.items())))


def tree_links(job: JobSpec) -> TreeLinks:
    """What `job` says about other jobs, for the checks across the tree."""
    category = None
    if job.throttle is not None and job.throttle.category is not None:
        category = (job.throttle.category, job.throttle.max_total, job.throttle.max_per_node,
                    job.throttle_at or Location(job.source))
    return TreeLinks(job.full_name, tuple(zip(job.after, job.after_at, strict=True)), category)


def _display(root: Path, path: Path) -> str:
    return str(root / path.relative_to(root))


def _spec_files(root: Path, problems: list[Problem]) -> Iterator[Path]:
    """Spec files below `root` in path order, hidden files and directories left out."""
    found: list[tuple[tuple[str, ...], Path]] = []
    for directory, subdirectories, names in os.walk(root):
        subdirectories[:] = [d for d in subdirectories if not d.startswith(".")]
        parts = Path(directory).relative_to(root).parts
        for name in names:
            if name.startswith(".") or os.path.splitext(name)[1] not in SPEC_SUFFIXES:
                continue
            if name not in DEFAULTS_NAMES:
                found.append(((*parts, name), Path(directory, name)))
    for _, path in sorted(found):
        if not path.is_file():
            continue
        if path.name.startswith("_"):
            problems.append(Problem(Location(_display(root, path)),
                                    "files starting with '_' are reserved; the only one "
                                    f"allowed is {DEFAULTS_NAMES[0]}"))
            continue
        yield path


def _ancestors(root: Path, directory: Path) -> list[Path]:
    chain = [directory]
    while chain[-1] != root:
        chain.append(chain[-1].parent)
    return list(reversed(chain))


def _defaults(directory: Path, root: Path, cache: dict[Path, Located | None],
              problems: list[Problem]) -> Located | None:
    if directory in cache:
        return cache[directory]
    found = [directory / name for name in DEFAULTS_NAMES if (directory / name).is_file()]
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


def _validate(layers: list[Located], full_name: str, display: str,
              problems: list[Problem]) -> JobSpec | None:
    merged = _merge(layers)
    try:
        document = JobDocument.model_validate(merged.data)
    except ValidationError as error:
        for item in error.errors():
            problems.append(_problem(item, merged, display))
        return None
    fields = {name: getattr(document, name) for name in JobDocument.model_fields}
    after_at = tuple(merged.values.get(("after", i), Location(display))
                     for i in range(len(document.after)))
    throttle_at = merged.values.get(("throttle", "category")) if document.throttle else None
    return JobSpec.model_construct(**fields, full_name=full_name, source=display,
                                   after_at=after_at, throttle_at=throttle_at)


def _problem(item: Any, merged: Located, display: str) -> Problem:
    loc: tuple[str | int, ...] = _without_tags(tuple(item["loc"]))
    # pydantic adds union/validator tags to paths; keep the prefix that exists in the data.
    path: Path_ = ()
    for part in loc:
        if (*path, part) in merged.values or (*path, part) in merged.keys:
            path = (*path, part)
        elif not isinstance(part, int) and (*path, part) not in merged.values:
            continue
    kind = item["type"]
    context = item.get("ctx") or {}
    if "at" in context:
        path = (*path, *context["at"])
    on_key = "[key]" in loc
    dotted = _dotted(path)
    where = f"`{dotted}`: " if dotted else ""
    if kind == "extra_forbidden":
        location = merged.keys.get(path, merged.values.get(path[:-1], Location(display)))
        message = _unknown_key(path, merged.data)
        return Problem(location, where.replace(f"`{dotted}`: ", "") + message)
    if on_key:
        location = merged.keys.get(path) or merged.values.get(path) or Location(display)
    else:
        location = merged.values.get(path) or merged.keys.get(path) or Location(display)
    message = _friendly(item["msg"])
    if kind in ("cron", "label"):
        location = _cron_location(merged, path, location, context)
        return Problem(location, f"{where}{message}")
    if kind == "missing":
        parent = merged.values.get(path, Location(display))
        field = loc[-1]
        return Problem(parent, f"`{_dotted(loc)}` is required (missing {field!r})")
    if kind not in {"duration", "command", "credential", "parameter", "schedule", "body",
                    "duplicate", "retries", "timezone", "label", "sha256", "stage",
                    "throttle", "after"} and "input" in item:
        found = item["input"]
        if not isinstance(found, dict | list):
            message = f"{message}; found {kind_of(found)} {found!r}"
            if isinstance(found, bool | int | float) and "string" in item["msg"]:
                message += " (quote it to make it text)"
        else:
            message = f"{message}; found {kind_of(found)}"
    return Problem(location, f"{where}{message}")


def _without_tags(loc: tuple[str | int, ...]) -> tuple[str | int, ...]:
    """Drop the tags pydantic puts after a list index for `stages` items."""
    return tuple(part for i, part in enumerate(loc)
                 if not (part in _STAGE_TAGS and i and isinstance(loc[i - 1], int)
                         and loc[:1] == ("stages",)))


_STAGE_TAGS = ("stage", "group")

_PATTERNS = {
    IDENTIFIER: "must be a name of letters, digits and '_', not starting with a digit",
    HANDLER: "must be a name of letters, digits, '.', '_' and '-'",
    CREDENTIAL_ID: "must be a Jenkins credential id (letters, digits, '.', '_', '-', '@', ':')",
    JOB_NAME: "must be the full name of a job, such as data/nightly-backup",
    LOCK_NAME: "must be a name of letters, digits, '.', '_', '-', ':', '@' and '+', starting "
               "with a letter or digit (no quotes or spaces)",
    HTTP_URL: "must be an http:// or https:// address",
    GIT_URL: "must be a git repository address (https://, ssh://, git://, file:// or "
             "user@host:path)",
    GIT_BRANCH: "must be a git branch name (no spaces or ~^:?*[\\)",
}


def _friendly(message: str) -> str:
    for pattern, text in _PATTERNS.items():
        message = message.replace(f"String should match pattern '{pattern}'", text)
    return message


def _dotted(path: tuple[str | int, ...]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _unknown_key(path: Path_, data: Any) -> str:
    key = str(path[-1])
    allowed = _allowed_keys(path[:-1], data)
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    where = f" in `{_dotted(path[:-1])}`" if path[:-1] else ""
    return f"unknown key {key!r}{where}{hint} Allowed: {', '.join(allowed)}"


def _allowed_keys(path: Path_, data: Any) -> list[str]:
    from jobsmith.spec import model

    current: type[model.Model] = model.JobDocument
    for depth, part in enumerate(path):
        if isinstance(part, int):
            continue
        annotation = current.model_fields[str(part)].annotation
        nested = _model_in(annotation)
        if nested is None:
            return []
        current = nested
        if part == "stages" and _is_group(data, path[:depth + 2]):
            current = ParallelGroup
    return list(current.model_fields)


def _is_group(data: Any, path: Path_) -> bool:
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return False
    return isinstance(data, dict) and "parallel" in data


def _model_in(annotation: Any) -> Any:
    from typing import get_args

    from jobsmith.spec.model import Model

    if isinstance(annotation, type) and issubclass(annotation, Model):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _cron_location(merged: Located, path: Path_, location: Location,
                   context: dict[str, Any]) -> Location:
    line = int(context.get("line", 1))
    col = int(context.get("col", 1))
    if (*path, line - 1) in merged.values:  # a list of lines
        item = merged.values[(*path, line - 1)]
        quote = 1 if (*path, line - 1) in merged.quoted else 0
        return Location(item.path, item.line, item.col + quote + col - 1)
    if path in merged.block_scalars:
        return Location(location.path, location.line + line, col + 2)
    if line == 1:
        quote = 1 if path in merged.quoted else 0
        return Location(location.path, location.line, location.col + quote + col - 1)
    return location

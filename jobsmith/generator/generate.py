"""`jobsmith generate`: a spec tree in, OUT/dsl, OUT/pipelines and OUT/manifest.json out.

OUT/dsl/jobsmith.groovy is the seed's fixed Job DSL script and OUT/dsl/jobsmith.json
its data (see `seed_script`); OUT/pipelines/<full name>.groovy holds each pipeline's
text for review. Large trees are loaded and rendered by worker processes, each taking
whole chunks of jobs and writing their pipeline files into the staging directory
itself; each job's data line and manifest entry travel back. The result does not
depend on the number of workers.
"""

from __future__ import annotations

import gc
import hashlib
import json
import multiprocessing
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jobsmith import __version__
from jobsmith.errors import Problem, SpecError
from jobsmith.generator.naming import pipeline_path
from jobsmith.generator.output import AtomicOutput, WriteStats, write_file
from jobsmith.generator.plugins import BASE_PLUGINS, job_plugins
from jobsmith.generator.render import render_job, spec_path
from jobsmith.generator.seed_script import (
    DATA,
    SCRIPT,
    approval_hash,
    job_line,
    seed_data,
    seed_script,
    upstream_first,
)
from jobsmith.spec.dependencies import TreeLinks, category_limits, check_links
from jobsmith.spec.tree import SpecFile, SpecLoader, discover, folders_of, tree_links

MANIFEST = "manifest.json"
CHUNK = 250  # jobs per task handed to a worker
PARALLEL_FROM = 400  # fewer jobs than this are not worth starting workers


@dataclass(frozen=True)
class GenerateResult:
    out: Path
    jobs: int
    folders: int
    stats: WriteStats


@dataclass(frozen=True)
class _Task:
    root: Path
    staging: Path
    target: Path
    jobs: list[tuple[SpecFile, str]]  # spec, pipeline path


@dataclass(frozen=True)
class _JobOutcome:
    full_name: str
    entry: str  # its entry's text in the manifest (`_entry_text`)
    after: tuple[str, ...]
    plugins: tuple[str, ...]
    files: dict[str, bool]  # relative path: written (not linked unchanged)?
    links: TreeLinks  # to other jobs
    line: bytes  # in the seed data


_Outcome = _JobOutcome | list[Problem]  # a job, or its problems

_loader: SpecLoader | None = None


def _run(task: _Task) -> list[_Outcome]:
    global _loader
    if _loader is None or _loader.root != task.root:
        _loader = SpecLoader(task.root)
    outcomes: list[_Outcome] = []
    for spec, pipeline in task.jobs:
        job = _loader.load(spec)
        if isinstance(job, list):
            outcomes.append(job)
            continue
        rendered = render_job(job)
        expected = rendered.expected
        line = job_line(rendered.data)
        files = {
            pipeline: write_file(task.staging, task.target, pipeline, rendered.pipeline.encode()),
        }
        entry: dict[str, Any] = {
            "source": spec_path(job),
            "pipeline": pipeline,
            "schedule": job.schedule.jenkins_text() if job.schedule else None,
            "ttl": rendered.ttl,
            # Longest from a fire time to that build's result (the seed's expectation
            # of a job that has not run yet: jobsmith/seed/expect.py).
            "run_bound": expected.run_bound if expected is not None else None,
            # What the seed's restated results carry, as the finish step does.
            "handlers": list(job.alerts.handlers),
            "max_duration": job.alerts.max_duration,
            "disabled": job.disabled,
            "sha256": hashlib.sha256(line).hexdigest(),  # of the job's line in the data
        }
        if job.after:
            entry["after"] = list(job.after)
        plugins = job_plugins(job)
        if plugins:
            entry["plugins"] = sorted(plugins)
        outcomes.append(_JobOutcome(spec.full_name, _entry_text(entry), tuple(job.after),
                                    tuple(plugins), files, tree_links(job), line))
    return outcomes


# The manifest is written indented (for review), which `json` does in pure Python: each
# worker encodes its jobs' entries, and the collecting process only puts them together.
_INDENT = 2


def _entry_text(entry: dict[str, Any]) -> str:
    """A job's entry as it stands in the manifest, two levels deep (`manifest_text`)."""
    text = json.dumps(entry, indent=_INDENT, sort_keys=True, ensure_ascii=False)
    return text.replace("\n", "\n" + " " * (2 * _INDENT))  # JSON text has no raw line break


def manifest_text(manifest: dict[str, Any], entries: dict[str, str]) -> str:
    """`json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False)` with
    `manifest["jobs"]` made of `entries` (job name -> `_entry_text` of its entry)."""
    head = json.dumps({**manifest, "jobs": {}}, indent=_INDENT, sort_keys=True,
                      ensure_ascii=False)
    inner = " " * (2 * _INDENT)
    jobs = "{}" if not entries else "{\n" + ",\n".join(
        f"{inner}{json.dumps(name, ensure_ascii=False)}: {entries[name]}"
        for name in sorted(entries)) + "\n" + " " * _INDENT + "}"
    # The only `"jobs": {}` one level deep: any other text there is in a string (so has
    # no raw line break) or deeper.
    key = "\n" + " " * _INDENT + '"jobs": '
    return head.replace(key + "{}", key + jobs, 1) + "\n"


def _outcomes(tasks: list[_Task], workers: int) -> Iterator[_Outcome]:
    if workers <= 1 or len(tasks) <= 1:
        for task in tasks:
            yield from _run(task)
        return
    # What the workers share with this process is left out of the collector's reach: a
    # full collection in a worker would touch (and so copy) every page of it.
    gc.freeze()
    try:
        context = multiprocessing.get_context("fork")
        with context.Pool(workers) as pool:
            for outcomes in pool.imap(_run, tasks):
                yield from outcomes
    finally:
        gc.unfreeze()  # this process collects as before


class _LineSpool:
    """The jobs' lines of seed data, parked in an unlinked file until their order is
    known (upstream jobs first): at 20,000 jobs they are about 80 MB, which would
    otherwise stay in memory to the end of the run."""

    def __init__(self, directory: Path) -> None:
        self._file = tempfile.TemporaryFile(dir=directory)  # noqa: SIM115 (closed by __exit__)
        self._at: dict[str, tuple[int, int]] = {}
        self._size = 0

    def __enter__(self) -> _LineSpool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._file.close()

    def add(self, name: str, line: bytes) -> None:
        self._file.write(line)
        self._at[name] = (self._size, len(line))
        self._size += len(line)

    def lines(self, order: Iterable[str]) -> Iterator[bytes]:
        """Each named job's line, in the order given."""
        self._file.flush()
        fd = self._file.fileno()
        for name in order:
            offset, length = self._at.pop(name)
            yield os.pread(fd, length, offset)


def _workers(jobs: int) -> int:
    if jobs < PARALLEL_FROM:
        return 1
    return max(1, min(len(os.sched_getaffinity(0)), 8))


def generate(spec_root: Path, out: Path, workers: int | None = None) -> GenerateResult:
    """Validate every spec below `spec_root` and replace `out` with the generated Groovy.

    Raises SpecError, listing every problem, when any spec is invalid; `out` is then
    left as it was.
    """
    discovery = discover(Path(spec_root))
    problems = list(discovery.problems)
    folders = folders_of(discovery.full_names)
    script = seed_script(out)
    manifest: dict[str, Any] = {
        "generator": f"jobsmith {__version__}",
        "script": SCRIPT,
        "data": DATA,
        "approval_hash": approval_hash(script),
        "folders": folders,
        "jobs": {},  # the jobs' entries, encoded by the workers (`manifest_text`)
    }
    jobs = [(spec, f"pipelines/{pipeline_path(spec.full_name)}") for spec in discovery.files]
    with AtomicOutput(Path(out), MANIFEST) as output, _LineSpool(output.staging) as lines:
        tasks = [_Task(discovery.root, output.staging, output.target, jobs[i:i + CHUNK])
                 for i in range(0, len(jobs), CHUNK)]
        count = workers if workers is not None else _workers(len(jobs))
        links: list[TreeLinks] = []
        entries: dict[str, str] = {}
        after: dict[str, tuple[str, ...]] = {}
        plugins = set(BASE_PLUGINS)
        for outcome in _outcomes(tasks, count):
            if isinstance(outcome, list):
                problems.extend(outcome)
                continue
            entries[outcome.full_name] = outcome.entry
            after[outcome.full_name] = outcome.after
            plugins.update(outcome.plugins)
            lines.add(outcome.full_name, outcome.line)
            links.append(outcome.links)
            for relative, written in outcome.files.items():
                output.record(relative, written)
        if not problems:
            problems.extend(check_links(links))
            limits = category_limits(links)
            if limits:
                manifest["throttle_categories"] = limits
        if problems:
            raise SpecError(list(dict.fromkeys(problems)))
        manifest["plugins"] = sorted(plugins)
        order = upstream_first(after)
        output.write(SCRIPT, script.encode())
        output.write_chunks(DATA, seed_data(folders, lines.lines(order)))
        output.write(MANIFEST, manifest_text(manifest, entries).encode())
    return GenerateResult(out=Path(out), jobs=len(jobs), folders=len(folders),
                          stats=output.stats)

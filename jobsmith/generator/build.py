"""`jobsmith generate`: a spec tree in, OUT/dsl, OUT/pipelines and OUT/manifest.json out.

OUT/dsl/jobsmith.groovy is the seed's fixed Job DSL script and OUT/dsl/jobsmith.json
its data (see `seed_script`); OUT/pipelines/<full name>.groovy holds each pipeline's
text for review. Large trees are loaded and rendered by a team of processes (this one
and forked children, `team.share`), each taking chunks of jobs and writing their
pipeline files into the staging directory itself; each job's data line waits in the
spool of the process that rendered it, and only small records (its manifest entry,
links, where its line is) travel back. The result does not depend on the number of
processes.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, closing
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any, NamedTuple

from jobsmith import __version__
from jobsmith.errors import Problem, SpecError
from jobsmith.generator.ahead import GenerateAhead
from jobsmith.generator.entry import entry_text
from jobsmith.generator.naming import pipeline_path
from jobsmith.generator.output import AtomicOutput, Extent, WriteStats, write_file
from jobsmith.generator.plugins import BASE_PLUGINS, job_plugins
from jobsmith.generator.render import render_job
from jobsmith.generator.seed_script import (
    DATA,
    LINE_BREAK,
    SCRIPT,
    approval_hash,
    seed_data,
    seed_script,
    upstream_first,
)
from jobsmith.generator.streamed_data import StreamedData
from jobsmith.generator.team import MAX_TASKS, shared
from jobsmith.spec.dependencies import TreeLinks, category_limits, check_links
from jobsmith.spec.jobfiles import SpecFile, discover, folders_of
from jobsmith.spec.tree import SpecLoader, tree_links

MANIFEST = "manifest.json"
CHUNK = 20  # jobs per task of the team (more when there would be over MAX_TASKS)
PARALLEL_FROM = 100  # fewer jobs than this are not worth forking for


@dataclass(frozen=True)
class GenerateResult:
    out: Path
    jobs: int
    folders: int
    stats: WriteStats


class _JobOutcome(NamedTuple):
    entry: str  # its line in the manifest's jobs (`manifest_line`)
    after: tuple[str, ...]
    plugins: tuple[str, ...]
    written: bool  # its pipeline file (not linked unchanged)?
    links: TreeLinks | None  # to other jobs; None when it names none (no `after`, no category)
    line: tuple[int, int, int]  # where its line of seed data is: (spool, offset, length)


_Outcome = _JobOutcome | list[Problem]  # a job, or its problems


class _Batch:
    """The jobs of one run, cut into tasks of `chunk` jobs for the team (`team.share`);
    each member of the team appends the data lines of its jobs to its own spool."""

    def __init__(self, root: Path, output: AtomicOutput, jobs: list[tuple[SpecFile, str]],
                 spools: list[_Spool]) -> None:
        self.root = root
        self.staging = output.staging
        # Where the pipelines' earlier files are, if anywhere (OUT cannot change during
        # the run: it is locked), so a first run looks for none of them.
        self.target = output.target if (output.target / "pipelines").is_dir() else None
        self.jobs = jobs
        self.spools = spools
        self.chunk = max(CHUNK, -(-len(jobs) // MAX_TASKS))
        self.tasks = -(-len(jobs) // self.chunk)
        self._loader: SpecLoader | None = None

    def run(self, task: int, member: int) -> list[_Outcome]:
        if self._loader is None:
            self._loader = SpecLoader(self.root)
        spool = self.spools[member]
        outcomes: list[_Outcome] = []
        lines: list[bytes] = []
        for spec, pipeline in self.jobs[task * self.chunk:(task + 1) * self.chunk]:
            job = self._loader.load(spec)
            if isinstance(job, list):
                outcomes.append(job)
                continue
            rendered = render_job(job)
            line = rendered.line
            written = write_file(self.staging, self.target, pipeline,
                                 rendered.pipeline.encode())
            links = tree_links(job)
            plugins = tuple(sorted(job_plugins(job)))
            lines.append(line)
            lines.append(LINE_BREAK)  # so that the lines of a run are its data as they are
            outcomes.append(_JobOutcome(
                manifest_line(spec.full_name, entry_text(job, rendered, pipeline, line,
                                                         plugins)), tuple(job.after),
                plugins, written,
                links if links.after or links.category else None,
                (member, spool.reserve(len(line) + len(LINE_BREAK)), len(line))))
        spool.append(lines)
        return outcomes


# The manifest is written indented (for review), which `json` does in pure Python: each
# worker encodes its jobs' lines (`manifest_line`, of `entry.entry_text`), and the
# collecting process only puts them together.
_INDENT = 2
_INNER = " " * (2 * _INDENT)
# `json.dumps(name, ensure_ascii=False)`, without a new encoder per call (`dumps` makes
# one whenever an argument differs from its defaults).
_NAME = json.JSONEncoder(ensure_ascii=False).encode


def manifest_line(name: str, entry: str) -> str:
    """A job's line in the manifest's `jobs` (`entry`: `entry_text` of its entry)."""
    return f"{_INNER}{_NAME(name)}: {entry}"


def manifest_text(manifest: dict[str, Any], entries: dict[str, str]) -> str:
    """`json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False)` with
    `manifest["jobs"]` made of `entries` (job name -> `manifest_line` of its entry)."""
    head = json.dumps({**manifest, "jobs": {}}, indent=_INDENT, sort_keys=True,
                      ensure_ascii=False)
    jobs = "{}" if not entries else "{\n" + ",\n".join(
        [entries[name] for name in sorted(entries)]) + "\n" + " " * _INDENT + "}"
    # The only `"jobs": {}` one level deep: any other text there is in a string (so has
    # no raw line break) or deeper.
    key = "\n" + " " * _INDENT + '"jobs": '
    return head.replace(key + "{}", key + jobs, 1) + "\n"


class _Spool:
    """The data lines of the jobs one process renders, parked in an unlinked file until
    their order is known (upstream jobs first): at 20,000 jobs they are about 80 MB,
    which would otherwise stay in memory to the end of the run. Made before the team
    forks; each member appends to its own and the collecting process reads them all."""

    def __init__(self, directory: Path) -> None:
        self._file = tempfile.TemporaryFile(dir=directory)  # noqa: SIM115 (closed by close)
        self.fd = self._file.fileno()
        self._size = 0
        self._written = 0

    def close(self) -> None:
        self._file.close()

    def reserve(self, length: int) -> int:
        """The offset of the next `length` bytes to be appended."""
        offset = self._size
        self._size += length
        return offset

    def append(self, pieces: list[bytes]) -> None:
        """Write what was reserved since the last call, in that order."""
        data = b"".join(pieces)
        assert self._written + len(data) == self._size
        view = memoryview(data)
        while view:
            done = os.pwrite(self.fd, view, self._written)
            self._written += done
            view = view[done:]


def _runs(spools: list[_Spool], order: list[str],
          line_at: dict[str, tuple[int, int, int]]) -> Iterator[Extent]:
    """The jobs' lines in `order`, as runs: lines next to each other in one spool (which
    already holds the line break after each) are one extent of it, so the data file is
    written by the kernel a run at a time (a run is a chunk of jobs in the usual tree,
    whose name order is its path order)."""
    run: list[int] = []  # spool, start, end
    for name in order:
        spool, offset, length = line_at.pop(name)
        if run and run[0] == spool and run[2] + len(LINE_BREAK) == offset:
            run[2] = offset + length
            continue
        if run:
            yield Extent(spools[run[0]].fd, run[1], run[2] - run[1])
        run = [spool, offset, offset + length]
    if run:
        yield Extent(spools[run[0]].fd, run[1], run[2] - run[1])


def _workers(jobs: int) -> int:
    if jobs < PARALLEL_FROM:
        return 1
    return max(1, min(len(os.sched_getaffinity(0)), 8))


def generate(spec_root: Path, out: Path, workers: int | None = None,
             ahead: GenerateAhead | None = None) -> GenerateResult:
    """Validate every spec below `spec_root` and replace `out` with the generated Groovy.

    Raises SpecError, listing every problem, when any spec is invalid; `out` is then
    left as it was. `ahead`: the tree's discovery and the seed script, started earlier
    for the same `spec_root` and `out` (`generator.ahead`).
    """
    if ahead is not None and (ahead.root, ahead.out) != (Path(spec_root), Path(out)):
        raise ValueError(f"ahead was started for {ahead.root} -o {ahead.out}")
    discovery = ahead.discovery() if ahead is not None else discover(Path(spec_root))
    problems = list(discovery.problems)
    folders = ahead.folders(discovery) if ahead is not None else folders_of(discovery.full_names)
    script = ahead.script() if ahead is not None else seed_script(out)
    manifest: dict[str, Any] = {
        "generator": f"jobsmith {__version__}",
        "script": SCRIPT,
        "data": DATA,
        "approval_hash": approval_hash(script),
        "folders": folders,
        "jobs": {},  # the jobs' entries, encoded by the workers (`manifest_text`)
    }
    jobs = [(spec, f"pipelines/{pipeline_path(spec.full_name)}") for spec in discovery.files]
    size = workers if workers is not None else _workers(len(jobs))
    with AtomicOutput(Path(out), MANIFEST) as output, ExitStack() as spooled:
        spools = [_Spool(output.staging) for _ in range(max(1, size))]
        for spool in spools:
            spooled.callback(spool.close)
        batch = _Batch(discovery.root, output, jobs, spools)
        # The data file, written while the results come (`streamed_data`: the usual case).
        data = StreamedData(output, folders, [spool.fd for spool in spools])
        spooled.callback(data.close)
        links: list[TreeLinks] = []
        entries: dict[str, str] = {}
        after: dict[str, tuple[str, ...]] = {}
        line_at: dict[str, tuple[int, int, int]] = {}
        plugins = set(BASE_PLUGINS)
        # The results are handled as they come, between this process's own tasks.
        results = spooled.enter_context(closing(shared(batch.tasks, size, batch.run)))
        for (spec, pipeline), outcome in zip(jobs, chain.from_iterable(results), strict=True):
            if isinstance(outcome, list):
                problems.extend(outcome)
                data.drop()
                continue
            name = spec.full_name
            data.add(name, outcome.after, outcome.line)
            entries[name] = outcome.entry
            after[name] = outcome.after
            plugins.update(outcome.plugins)
            line_at[name] = outcome.line
            if outcome.links is not None:
                links.append(outcome.links)
            output.record(pipeline, outcome.written)
        if not problems:
            # The jobs that name no other job only need to exist for the checks.
            problems.extend(check_links(links, known=entries))
            limits = category_limits(links)
            if limits:
                manifest["throttle_categories"] = limits
        if problems:
            raise SpecError(list(dict.fromkeys(problems)))
        manifest["plugins"] = sorted(plugins)
        output.write(SCRIPT, script.encode())
        if not data.finish():
            output.write_chunks(DATA, seed_data(folders, _runs(spools, upstream_first(after),
                                                            line_at)))
        output.write(MANIFEST, manifest_text(manifest, entries).encode())
    return GenerateResult(out=Path(out), jobs=len(jobs), folders=len(folders),
                          stats=output.stats)

"""A job's manifest entry (`entry.entry_text`) is the text `json.dumps` indents: for the
goldens' jobs, the examples and values that need escaping, it is compared with
`json.dumps(entry, indent=2, sort_keys=True, ensure_ascii=False)` of the entry as a dict,
two levels deep (under "jobs" and the job's name)."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from jobsmith.generator import render_job
from jobsmith.generator.entry import entry_text
from jobsmith.generator.plugins import job_plugins
from jobsmith.generator.render import RenderedJob, spec_path
from jobsmith.generator.seed_script import job_line
from jobsmith.spec import load_tree
from jobsmith.spec.model import JobSpec

REPO = Path(__file__).parents[2]
FIXTURES = Path(__file__).parent / "fixtures" / "render"


def _as_json_dumps(job: JobSpec, rendered: RenderedJob, pipeline: str, line: bytes,
                   plugins: tuple[str, ...]) -> str:
    expected = rendered.expected
    entry: dict[str, Any] = {
        "source": spec_path(job),
        "pipeline": pipeline,
        "schedule": job.schedule.jenkins_text() if job.schedule else None,
        "ttl": rendered.ttl,
        "run_bound": expected.run_bound if expected is not None else None,
        "handlers": list(job.alerts.handlers),
        "max_duration": job.alerts.max_duration,
        "disabled": job.disabled,
        "sha256": hashlib.sha256(line).hexdigest(),
    }
    if job.after:
        entry["after"] = list(job.after)
    if plugins:
        entry["plugins"] = list(plugins)
    text = json.dumps(entry, indent=2, sort_keys=True, ensure_ascii=False)
    return text.replace("\n", "\n    ")


def _check(jobs: dict[str, JobSpec]) -> None:
    assert jobs
    for name, job in jobs.items():
        rendered = render_job(job)
        line = job_line(rendered.data)
        plugins = tuple(sorted(job_plugins(job)))
        pipeline = f"pipelines/{name}.groovy"
        assert entry_text(job, rendered, pipeline, line, plugins) == _as_json_dumps(
            job, rendered, pipeline, line, plugins), name


def test_the_examples_entries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO / "examples")
    _check(load_tree(Path("jobs")).jobs)


def test_the_goldens_entries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    jobs = tmp_path / "jobs"
    for tree in FIXTURES.glob("*.tree"):
        shutil.copytree(tree, jobs, dirs_exist_ok=True)
    for spec in FIXTURES.glob("*.yaml"):
        shutil.copy(spec, jobs / spec.name)
    monkeypatch.chdir(tmp_path)
    loaded = load_tree(Path("jobs")).jobs
    assert {spec.stem for spec in FIXTURES.glob("*.yaml")} <= set(loaded)
    _check(loaded)


def test_entries_that_need_escaping(tmp_path: Path) -> None:
    jobs = tmp_path / "jobs"
    (jobs / "équipe").mkdir(parents=True)
    (jobs / "équipe" / "nächtlich «db».yaml").write_text(
        'schedule: "TZ=Europe/Paris\\nH 2 * * *\\n@weekly"\n'
        'command: "true"\n'
        'alerts: {handlers: [a-b, c], max_duration: 90s}\n', encoding="utf-8")
    (jobs / "équipe" / "après.yaml").write_text(
        "after: [équipe/nächtlich «db»]\ncommand: x\nalerts: {max_duration: 1.5}\n"
        "timeout: 1h\nschedule: '@midnight'\n", encoding="utf-8")
    (jobs / "plain.yaml").write_text("command: x\ndisabled: true\nlock: db\n",
                                     encoding="utf-8")
    loaded = load_tree(jobs).jobs
    assert len(loaded) == 3
    _check(loaded)

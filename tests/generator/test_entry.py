"""A job's manifest entry (`entry.entry_text`) is the text `json.dumps` indents: for the
goldens' jobs, the examples and values that need escaping, it is compared with
`json.dumps(entry, indent=2, sort_keys=True, ensure_ascii=False)` of the entry as a dict,
two levels deep (under "jobs" and the job's name). The same jobs' data lines, as
`render_job` puts them together, are `seed_script.job_line`'s; and jobs that differ in
one thing each get their own parameters and properties, not another job's."""

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
        assert rendered.line == line, name  # render's own line is `job_line`'s
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


VARIANTS = {
    "base": "",
    "after": "after: [t/base]\n",
    "skip": "concurrency: skip\n",
    "replace": "concurrency: replace\n",
    "parallel": "concurrency: parallel\n",
    "throttle": "throttle: {max_total: 2}\nconcurrency: parallel\n",
    "category": "throttle: {category: c}\n",
    "priority": "priority: 2\n",
    "days": "retention: {builds: 3, days: 4}\n",
    "builds": "retention: {builds: 4}\n",
    "none": "retention: {}\n",
    "later": "schedule: H 3 * * *\n",
    "zone": "timezone: Europe/Paris\n",
    "unscheduled": "schedule: []\n",
    "default": "parameters: [{name: A, default: x}]\n",
    "boolean": "parameters: [{name: A, type: boolean}]\n",
    "described": "parameters: [{name: A, description: d}]\n",
    "choice": "parameters: [{name: A, type: choice, choices: [x, y], default: y}]\n",
    "two": "parameters: [{name: A}, {name: B}]\n",
}


def test_jobs_share_no_other_jobs_parameters_or_properties(tmp_path: Path) -> None:
    """`render_job` makes each combination of what a job's parameters and properties
    depend on once: jobs that differ from the first in one such thing each (rendered
    after it) get their own, as `job_properties` and `_parameter` make them."""
    from jobsmith.generator import render
    from jobsmith.generator.properties import job_properties

    base = ("schedule: H 2 * * *\ncommand: x\nretention: {builds: 3}\n"
            "parameters: [{name: A}]\n")
    jobs = tmp_path / "jobs" / "t"
    jobs.mkdir(parents=True)
    for name, change in VARIANTS.items():
        keys = {line.split(":")[0] for line in change.splitlines()}
        kept = "".join(line + "\n" for line in base.splitlines()
                       if line.split(":")[0] not in keys)
        text = kept + change
        if name == "unscheduled":
            text = kept.replace("schedule: H 2 * * *\n", "")
        (jobs / f"{name}.yaml").write_text(text)
    loaded = load_tree(tmp_path / "jobs").jobs
    render._SHARED.clear()
    order = ["t/base", *sorted(set(loaded) - {"t/base"})]
    for name in order:
        job = loaded[name]
        rendered = render_job(job)
        schedule = job.schedule.jenkins_text() if job.schedule else None
        assert rendered.data["properties"] == job_properties(job, schedule), name
        assert rendered.data["parameters"] == [render._parameter(p) for p in job.parameters]
        assert rendered.line == job_line(rendered.data), name
    assert len(render._SHARED) > len(VARIANTS)  # most variants changed what they depend on

"""Loading a spec tree: full names, folders, `_defaults` merging, typed values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from jobsmith.spec import ParallelGroup, Stage, load_tree

EXAMPLES = Path(__file__).parents[2] / "examples" / "jobs"


def _tree(tmp_path: Path, files: dict[str, str]):
    for name, text in files.items():
        path = tmp_path / "jobs" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return load_tree(tmp_path / "jobs")


def test_examples_load_with_every_core_key() -> None:
    tree = load_tree(EXAMPLES)
    assert len(tree.jobs) >= 8
    assert tree.folders == ["data", "maintenance", "reports"]
    used = {key for job in tree.jobs.values() for key in job.model_fields_set}
    core = {"description", "owner", "schedule", "timezone", "agent", "concurrency", "timeout",
            "retries", "command", "stages", "env", "credentials", "parameters", "alerts",
            "retention", "disabled"}
    assert core <= used


def test_full_names_and_nested_folders(tmp_path: Path) -> None:
    tree = _tree(tmp_path, {"a/b/c.yaml": "command: x\n", "top.yml": "command: y\n"})
    assert list(tree.jobs) == ["a/b/c", "top"]
    assert tree.folders == ["a", "a/b"]
    assert tree.jobs["a/b/c"].folder == "a/b" and tree.jobs["a/b/c"].base_name == "c"


def test_hidden_files_and_other_suffixes_are_ignored(tmp_path: Path) -> None:
    tree = _tree(tmp_path, {"a.yaml": "command: x\n", ".git/x.yaml": "junk: [",
                            "notes.txt": "hello", "b.json": "{}"})
    assert list(tree.jobs) == ["a"]


def test_defaults_merge_deeply_nearer_wins_lists_replace(tmp_path: Path) -> None:
    tree = _tree(tmp_path, {
        "_defaults.yaml": "owner: platform\ntimeout: 1h\nalerts:\n  handlers: [a, b]\n"
                          "  max_duration: 10m\nenv:\n  A: root\n  B: root\n",
        "team/_defaults.yml": "owner: team\nalerts:\n  handlers: [c]\nenv:\n  B: team\n",
        "team/job.yaml": "command: x\nenv:\n  C: job\n",
        "other.yaml": "command: y\nowner: me\n",
    })
    job = tree.jobs["team/job"]
    assert job.owner == "team"
    assert job.timeout == 3600.0
    assert job.alerts.handlers == ("c",)
    assert job.alerts.max_duration == 600.0
    assert dict(job.env) == {"A": "root", "B": "team", "C": "job"}
    assert tree.jobs["other"].owner == "me"
    assert tree.jobs["other"].alerts.handlers == ("a", "b")


def test_typed_values(tmp_path: Path) -> None:
    job = _tree(tmp_path, {"j.yaml": """
command: [run, --fast]
timeout: 1h30m
retries: {count: 3, backoff: 30s, max_backoff: 10m, on_exit_codes: [75]}
concurrency: skip
parameters:
  - {name: FLAG, type: boolean, default: true}
  - {name: PICK, type: choice, choices: [a, b]}
credentials:
  - {id: db, username: U, password: P}
  - {id: tok, variable: T}
schedule: H 2 * * *
timezone: Europe/Berlin
"""}).jobs["j"]
    assert job.command == ("run", "--fast")
    assert job.timeout == 5400.0
    assert (job.retries.count, job.retries.backoff, job.retries.max_backoff) == (3, 30.0, 600.0)
    assert job.retries.on_exit_codes == (75,)
    assert job.parameters[0].default is True
    assert job.mask_variables == ("U", "P", "T")
    assert job.schedule is not None and job.schedule.timezone == "Europe/Berlin"
    assert job.schedule.jenkins_text() == "TZ=Europe/Berlin\nH 2 * * *"
    assert job.steps[0].name == "j" and job.steps[0].command == ("run", "--fast")


def test_plain_retry_count(tmp_path: Path) -> None:
    job = _tree(tmp_path, {"j.yaml": "command: x\nretries: 2\n"}).jobs["j"]
    assert job.retries.count == 2


def test_iso_interval_becomes_cron(tmp_path: Path) -> None:
    job = _tree(tmp_path, {"j.yaml": "command: x\nschedule: R/2026-01-01T00:05:00Z/PT15M\n"})
    schedule = job.jobs["j"].schedule
    assert schedule is not None
    assert schedule.resolve("j").format() == "5,20,35,50 * * * *"


def test_model_is_frozen(tmp_path: Path) -> None:
    job = _tree(tmp_path, {"j.yaml": "command: x\n"}).jobs["j"]
    with pytest.raises(Exception, match="frozen"):
        job.timeout = 5


def test_examples_use_the_keys_of_issue_6() -> None:
    tree = load_tree(EXAMPLES)
    used = {key for job in tree.jobs.values() for key in job.model_fields_set}
    assert {"after", "lock", "throttle", "priority", "checkout"} <= used
    stage_keys = {key for job in tree.jobs.values() for stage in job.all_stages
                  for key in stage.model_fields_set}
    assert {"on_each", "artifact"} <= stage_keys
    assert any(item.model_fields_set >= {"parallel", "fail_fast"}
               for job in tree.jobs.values() for item in job.steps)


def test_typed_values_of_new_keys(tmp_path: Path) -> None:
    tree = _tree(tmp_path, {"up.yaml": "command: x\n", "j.yaml": """
after: [up]
lock: orders-db
throttle: {category: io, max_per_node: 1}
priority: 4
checkout: {git: "git@git.example.com:ops/scripts.git"}
stages:
  - {name: one, command: x, on_each: "web && !canary"}
  - parallel:
      - {name: a, command: y}
      - name: b
        artifact: {url: "https://x.example.com/b", sha256: "AB%s"}
""" % ("0" * 62)})
    job = tree.jobs["j"]
    assert job.after == ("up",) and job.lock == "orders-db" and job.priority == 4
    assert job.throttle is not None and job.throttle.max_per_node == 1
    assert job.checkout is not None and job.checkout.branch == "main"
    assert [s.name for s in job.all_stages] == ["one", "a", "b"]
    group = job.steps[1]
    assert isinstance(group, ParallelGroup) and group.name is None
    artifact = job.all_stages[2].artifact
    assert artifact is not None and artifact.sha256 == "ab" + "0" * 62
    assert job.after_at[0].line == 2


def test_job_level_artifact_is_one_step_with_arguments(tmp_path: Path) -> None:
    job = _tree(tmp_path, {"j.yaml": "artifact: {url: 'https://x.example.com/t', sha256: '%s'}\n"
                           "command: [--fast]\n" % ("a" * 64)}).jobs["j"]
    [step] = job.steps
    assert isinstance(step, Stage)
    assert step.command == ("--fast",) and step.artifact is not None


def test_job_spec_is_what_model_construct_makes(monkeypatch: pytest.MonkeyPatch) -> None:
    """`tree.job_spec` builds a JobSpec without pydantic's per-field loop: for every
    example job, the same fields (in order), fields set, extras and private state as
    `model_construct` gives, frozen, and the same dump."""
    from jobsmith.spec import tree
    from jobsmith.spec.model import JobDocument, JobSpec

    made_for: dict[str, Any] = {}
    job_spec = tree.job_spec

    def compared(document: JobDocument, **where: Any) -> JobSpec:
        made = job_spec(document, **where)
        fields = {field: getattr(document, field) for field in JobDocument.model_fields}
        expected = JobSpec.model_construct(**fields, **where)
        _same_as_constructed(made, expected)
        assert made.steps == expected.steps
        with pytest.raises(Exception, match="frozen"):
            made.timeout = 5
        made_for[where["full_name"]] = made
        return made

    monkeypatch.setattr(tree, "job_spec", compared)
    jobs = load_tree(EXAMPLES).jobs
    assert made_for == jobs and len(jobs) >= 8


def _same_as_constructed(made: Any, expected: Any) -> None:
    """`made` is what pydantic's `model_construct` gave as `expected`: the same class,
    fields in order, fields set, extras, private state and dump."""
    assert type(made) is type(expected)
    assert list(made.__dict__.items()) == list(expected.__dict__.items())
    assert made.model_fields_set == expected.model_fields_set
    assert made.__pydantic_extra__ == expected.__pydantic_extra__
    assert made.__pydantic_private__ == expected.__pydantic_private__
    assert made == expected
    assert made.model_dump() == expected.model_dump()


def test_one_stage_is_what_model_construct_makes(tmp_path: Path) -> None:
    """`model.one_stage` (a command or artifact job's one stage, `JobSpec.steps`) builds
    its Stage without pydantic's per-field loop: for every example job with a `command`
    and a job-level artifact, the same fields (in order), fields set, extras and private
    state as `Stage.model_construct` gives, frozen, and the same dump."""
    from jobsmith.spec.model import one_stage

    jobs = list(load_tree(EXAMPLES).jobs.values())
    jobs.append(_tree(tmp_path, {"d/j.yaml": "artifact: {url: 'https://x.example.com/t', "
                                 "sha256: '%s'}\ncommand: [--fast]\n" % ("a" * 64)}
                      ).jobs["d/j"])
    single = [job for job in jobs if job.stages is None]
    assert len(single) >= 4 and any(job.artifact is not None for job in single)
    assert any(job.command is not None and job.artifact is None for job in single)
    for job in single:
        made = one_stage(job.base_name, job.command, job.artifact)
        expected = Stage.model_construct(name=job.base_name, command=job.command,
                                         artifact=job.artifact, agent=None, on_each=None,
                                         timeout=None, retries=None, env={}, outputs=())
        _same_as_constructed(made, expected)
        assert job.steps == (made,)
        with pytest.raises(Exception, match="frozen"):
            made.name = "other"
        made.env["X"] = "1"  # each stage has its own env dict, as model_construct's
        assert one_stage(job.base_name, job.command, job.artifact).env == {}

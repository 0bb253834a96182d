"""The contract between generator and wrapper: every `sh` step of every generated
pipeline is a `jobsmith run` command line that the wrapper accepts, carrying the job's
full name, its timeout, retries and alert settings: each step a `--stage` part, and one
finish step (`--finish`, in `post { always }`) carrying the TTL, `--max-duration` and
the handlers."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from jobsmith.generator import generate
from jobsmith.spec import load_tree
from jobsmith.wrapper.options import parse_args
from tests.support.groovy import evaluate_literals

EXAMPLES = Path(__file__).parent.parent / "examples" / "jobs"
# What `sh` expands in the finish step, as the pipeline's withEnv and Jenkins set them.
FINISH_ENV = {"$JOBSMITH_BUILD_RESULT": "FAILURE", "$JOBSMITH_BUILD_STARTED": "1700000000000",
              "$BUILD_NUMBER": "7", "$JOBSMITH_PREVIOUS_RESULT": "SUCCESS"}


def finish_argv(script: str) -> list[str]:
    argv = shlex.split(script)
    return [FINISH_ENV.get(arg, arg) for arg in argv]


SCRIPT = re.compile(r"sh\(script: ('(?:[^'\\]|\\.)*'(?: \+ '(?:[^'\\]|\\.)*')*)")


def test_every_step_is_a_wrapper_command_it_accepts(tmp_path: Path) -> None:
    tree = load_tree(EXAMPLES)
    generate(EXAMPLES, tmp_path / "out")
    literals: list[tuple[str, str]] = []
    for name in tree.jobs:
        pipeline = (tmp_path / "out" / "pipelines" / f"{name}.groovy").read_text()
        found = SCRIPT.findall(pipeline)
        assert found, f"{name}: no sh step"
        literals += [(name, literal) for literal in found]
    scripts = evaluate_literals([literal for _, literal in literals])
    checked, finishes = 0, {name: 0 for name in tree.jobs}
    for (name, _), script in zip(literals, scripts, strict=True):
        argv = finish_argv(script)
        if argv[:2] != ["jobsmith", "run"]:
            continue
        options = parse_args(argv[2:])
        job = tree.jobs[name]
        assert options.job == name
        if options.finish is not None:  # the build's one result
            finishes[name] += 1
            assert (options.finish, options.build_number) == ("FAILURE", 7)
            if job.schedule is not None and job.alerts.missed_runs and not job.disabled:
                assert options.ttl is not None and options.ttl > 0
            assert options.max_duration == job.alerts.max_duration
            assert options.alert_handlers == job.alerts.handlers
            continue
        assert options.command and options.stage and options.record
        assert options.ttl is None and options.alert_handlers == ()
        if job.stages is None:  # one step: the job's own timeout, exactly
            assert options.timeout == job.timeout
        checked += 1
    assert checked >= len(tree.jobs)
    assert set(finishes.values()) == {1}


def test_nightly_backup_flags(tmp_path: Path) -> None:
    generate(EXAMPLES, tmp_path / "out")
    pipeline = (tmp_path / "out" / "pipelines" / "data" / "nightly-backup.groovy").read_text()
    script, finish = evaluate_literals(SCRIPT.findall(pipeline))
    options = parse_args(shlex.split(script)[2:])
    assert parse_args(finish_argv(finish)[2:]).max_duration == 5400
    assert options.timeout == 7200
    assert options.retries == 3 and options.backoff == 60 and options.max_backoff == 600
    assert options.retry_on == frozenset({75})
    assert options.command == ["sh", "-c", "./scripts/backup-orders.sh --target s3://backups/orders"]

"""The pipeline's own bound on a step (`timeout(time: N, unit: 'SECONDS')` inside the
stage's agent) aborts it in a try too: the step's process group gets SIGTERM, the stage
is ABORTED (the `timeout` step ends the build as aborted, not failed), and its record is
not kept for the finish step. With a working wrapper the bound is never reached (it is
longer than every attempt, kill and back-off together), so the test shortens the view's
bound: a real process, the real stage runner."""

from __future__ import annotations

from pathlib import Path

from jobsmith.generator.steps import StageView, stage_views
from jobsmith.spec import load_tree
from jobsmith.tryrun.stage import StageRun, run_stage


def test_the_pipelines_step_bound_aborts_the_stage(tmp_path: Path) -> None:
    jobs = tmp_path / "jobs"
    jobs.mkdir()
    (jobs / "slow.yaml").write_text("timeout: 30s\ncommand: exec sleep 600\n")
    job = load_tree(jobs).jobs["slow"]
    (view,) = stage_views(job)
    assert isinstance(view, StageView) and view.step_timeout is not None
    pid_file = tmp_path / "pid"
    bounded = view._replace(step_timeout=1, script=f"echo $$ > {pid_file}; exec sleep 600")
    lines: list[str] = []
    root = tmp_path / "root"
    root.mkdir()
    run = StageRun(job=job, base_env={"PATH": "/usr/bin:/bin"}, secrets={}, root=root,
                   echo=lines.append, output=None)
    assert run_stage(run, bounded) == "ABORTED"
    assert ("jobsmith try: [slow] the stage's timeout of 1s passed; aborting it as Jenkins "
            "would") in lines
    assert not Path(f"/proc/{int(pid_file.read_text())}").exists()
    assert run.failed_part == ""

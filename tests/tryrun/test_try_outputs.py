"""`outputs` through `jobsmith try`, from real specs: the files a stage names reach the
later stages' workspaces as the generated pipeline's `stash`/`unstash` carry them.

Read from the sources (see jobsmith/tryrun/outputs.py): workflow-api
`StashManager.stash` archives `DirScanner.Glob(includes, null, useDefaultExcludes=true)`
and fails with "No files included in stash" when it counted none and `allowEmpty` is
false; core `Util.createFileSet` splits the includes on commas; Ant's `DirectoryScanner`
appends `**` to a pattern ending in `/`, matches dot files like any other, and leaves
out its `DEFAULTEXCLUDES` (`**/.git/**`, `**/.gitignore`, `**/*~`, ...). Each stage runs in
a workspace of its own, so a file reaches a later stage only through a stash.
"""

from __future__ import annotations

from pathlib import Path

from jobsmith.generator.steps import GroupView, StageView, stage_views
from jobsmith.spec.names import name_problem
from jobsmith.tryrun.runner import find_job
from tests.tryrun.helpers import run_try, write_spec

LIST = "find . -type f -o -type l | sed s,^./,, | LC_ALL=C sort"


def test_files_and_directories_reach_the_later_stages(tmp_path: Path) -> None:
    jobs = write_spec(tmp_path, "reports/build", f"""
stages:
  - name: build
    command: |
      mkdir -p out/x out/.git out/.cache
      echo a,b > report.csv; echo 1 > totals.csv; echo no > scratch.tmp
      echo y > out/x/y.txt; echo h > out/.hidden; echo c > out/.cache/c
      echo ignored > out/.gitignore; echo git > out/.git/config; echo old > out/x/y.txt~
      printf '#!/bin/sh\\necho ran the stashed script\\n' > out/run.sh; chmod 755 out/run.sh
      ln -s x/y.txt out/link
    outputs: [report.csv, out/, "*s.csv"]
  - name: use
    command: '{LIST}; ./out/run.sh; readlink out/link'
""")
    done = run_try(jobs, "reports/build")
    assert done.returncode == 0, done.stderr
    # Dot files are files like any other to Ant; its default excludes are left out; the
    # mode and the link come through the tar archive as they were.
    assert done.stdout.splitlines() == [
        "out/.cache/c", "out/.hidden", "out/link", "out/run.sh", "out/x/y.txt",
        "report.csv", "totals.csv",
        "ran the stashed script",
        "x/y.txt",
    ]


def test_a_parallel_branch_gets_only_what_came_before_its_group(tmp_path: Path) -> None:
    # `lint` waits until `render` has written its output and finished its step, so it
    # would see render/ if the branches shared a workspace or a stash came too early.
    meet = tmp_path / "meet"
    meet.mkdir()
    jobs = write_spec(tmp_path, "site", f"""
stages:
  - name: build
    command: mkdir out; echo page > out/page.txt
    outputs: [out/]
  - name: both
    parallel:
      - name: render
        command: mkdir render; cp out/page.txt render/page.html; touch {meet}/rendered
        outputs: [render/]
      - name: lint
        command: |
          i=0; while [ ! -e {meet}/rendered ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done
          test -e {meet}/rendered; sleep 0.2
          echo "lint sees: $({LIST} | tr '\\n' ' ')"
  - name: publish
    command: 'echo "publish sees: $({LIST} | tr "\\n" " ")"'
""")
    done = run_try(jobs, "site")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "[lint] lint sees: out/page.txt " in lines
    assert lines[-1] == "publish sees: out/page.txt render/page.html "


def test_a_missing_output_fails_the_stage_as_stash_does(tmp_path: Path) -> None:
    jobs = write_spec(tmp_path, "etl", """
stages:
  - name: extract
    command: mkdir out
    outputs: [out/, summary.csv]
  - {name: load, command: echo never}
""")
    done = run_try(jobs, "etl")
    assert done.returncode == 21, done.stderr  # FAILURE
    assert ("[extract] FAILURE: no file matches the outputs out/**, summary.csv; Jenkins' "
            "stash fails the stage too (No files included in stash ‘jobsmith outputs of "
            "extract’)") in done.stderr
    assert "stage 'load' skipped: an earlier stage failed" in done.stderr
    assert "never" not in done.stdout


def test_a_pattern_that_matches_nothing_beside_others_is_named(tmp_path: Path) -> None:
    jobs = write_spec(tmp_path, "etl", """
stages:
  - {name: extract, command: touch summary.csv, outputs: [out/, summary.csv]}
  - {name: load, command: ls}
""")
    done = run_try(jobs, "etl")
    # Jenkins stashes summary.csv without a word about out/: so does try, with a note.
    assert (done.returncode, done.stdout) == (0, "summary.csv\n"), done.stderr
    assert "[extract] note: the output out/** matched no file" in done.stderr


def test_a_failed_step_stashes_nothing_and_one_stage_alone_says_what_it_lacks(
        tmp_path: Path) -> None:
    jobs = write_spec(tmp_path, "etl", """
stages:
  - {name: extract, command: touch summary.csv; exit 4, outputs: [summary.csv]}
  - {name: load, command: ls}
""")
    done = run_try(jobs, "etl")
    assert done.returncode == 21
    assert "[extract] FAILURE: script returned exit code 4" in done.stderr
    alone = run_try(jobs, "etl", "--stage", "load")
    assert (alone.returncode, alone.stdout) == (0, ""), alone.stderr
    assert ("[load] the pipeline unstashes 'jobsmith outputs of extract' here, from a stage "
            "this try did not run") in alone.stderr


def test_stash_names_are_names_jenkins_accepts(tmp_path: Path) -> None:
    # StashManager.stash calls Jenkins.checkGoodName(name): `&`, `/`, `:` or a trailing
    # `.` in a stage name must not reach the stash's name.
    jobs = write_spec(tmp_path, "odd", """
stages:
  - {name: "lint & test", command: echo a > a.txt, outputs: [a.txt]}
  - {name: "lint | test", command: echo b > b.txt, outputs: [b.txt]}
  - {name: "v1.", command: echo c > c.txt, outputs: [c.txt]}
  - {name: "x: y/z", command: cat a.txt b.txt c.txt}
""")
    job = find_job(jobs, "odd")
    names = []
    for view in stage_views(job):
        assert not isinstance(view, GroupView)
        assert isinstance(view, StageView)
        if view.stash is not None:
            assert name_problem(view.stash.name) is None, view.stash.name
            names.append(view.stash.name)
    assert names == ["jobsmith outputs of lint _ test", "jobsmith outputs of lint _ test (2)",
                     "jobsmith outputs of v1._"]
    done = run_try(jobs, "odd")
    assert (done.returncode, done.stdout) == (0, "a\nb\nc\n"), done.stderr


def test_outputs_written_with_dots_still_match(tmp_path: Path) -> None:
    # Ant matches `./report.csv` or `out/./x/**` against no file at all (see
    # test_outputs_ant.py): the stash's includes are written the plain way.
    jobs = write_spec(tmp_path, "etl", f"""
stages:
  - name: extract
    command: mkdir -p out/x; echo r > report.csv; echo y > out/x/y
    outputs: [./report.csv, out/./x/, ./]
  - {{name: load, command: '{LIST}'}}
""")
    (extract, _) = stage_views(find_job(jobs, "etl"))
    assert isinstance(extract, StageView) and extract.stash is not None
    assert extract.stash.includes == "report.csv,out/x/**,**"
    done = run_try(jobs, "etl")
    # `./` is the whole workspace: the stage's own `--record` (.jobsmith/) travels too.
    assert (done.returncode, done.stdout) == (
        0, ".jobsmith/extract.json\nout/x/y\nreport.csv\n"), done.stderr

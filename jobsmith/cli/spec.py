"""`jobsmith validate`, `generate` and `schema`."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import click

from jobsmith.cli.common import reports_errors, spec_root_argument


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True,
              help="Treat warnings as errors: exit 2 when there is any.")
@click.option("--from", "start", metavar="T",
              help="Look for daylight-saving changes in the two years from T (ISO 8601 "
                   "instant with a zone); default now.")
@reports_errors
def validate(paths: tuple[Path, ...], strict: bool, start: str | None) -> None:
    """Check the job specs below SPEC_ROOT (default ./jobs), or single spec files; exit 0
    or 2. A file is checked with the `_defaults` of its tree (./jobs when it lies below
    it, else its own directory). Warnings (settings that do not do what they say) are
    printed like errors; they change the exit status only with --strict."""
    from jobsmith.cron.lookup import parse_instant
    from jobsmith.errors import Problem, SpecError, render_problems
    from jobsmith.spec import load_tree
    from jobsmith.spec.tree import tree_of
    from jobsmith.spec.warnings import tree_warnings

    after = parse_instant(start) if start is not None else None
    problems: list[Problem] = []
    warnings: list[Problem] = []
    for root, files in _groups(paths or (Path("jobs"),), tree_of).items():
        try:
            tree = load_tree(root, None if files is None else files)
        except SpecError as error:
            problems.extend(error.problems)
            continue
        found = tree_warnings(tree.jobs.values(), after)
        warnings.extend(found)
        if found:
            click.echo(render_problems(found, "warning"), err=True)
        if files is None:
            jobs, folders = len(tree.jobs), len(tree.folders)
            click.echo(f"{root}: {_count(jobs, 'job')} in {_count(folders, 'folder')}, "
                       f"all valid{_warned(len(found))}")
        else:
            for name, job in tree.jobs.items():
                mine = sum(1 for w in found if w.location.path == job.source)
                click.echo(f"{job.source}: valid (job {name}){_warned(mine)}")
    if strict and warnings:
        click.echo(f"{_count(len(warnings), 'warning')}; with --strict they are errors",
                   err=True)
    if problems:
        raise SpecError(problems)
    if strict and warnings:
        raise SystemExit(SpecError.exit_code)


def _warned(count: int) -> str:
    return f", {_count(count, 'warning')}" if count else ""


def _groups(paths: tuple[Path, ...], tree_of: Callable[[Path], Path]
            ) -> dict[Path, list[Path] | None]:
    """Directories as whole trees (None), files grouped by the tree they belong to."""
    groups: dict[Path, list[Path] | None] = {}
    for path in paths:
        if path.is_dir() or not path.suffix:
            groups[path] = None
            continue
        files = groups.setdefault(tree_of(path), [])
        if files is not None:
            files.append(path)
    return groups


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


@click.command()
@spec_root_argument
@click.option("-o", "--out", required=True, type=click.Path(path_type=str),
              help="Output directory (replaced atomically).")
@reports_errors
def generate(spec_root: str, out: str) -> None:
    """Write OUT/dsl, OUT/pipelines and OUT/manifest.json for SPEC_ROOT."""
    from jobsmith.generator.ahead import GenerateAhead

    # The tree is walked and the seed script rendered in a helper process while this
    # one imports the generator.
    with GenerateAhead(Path(spec_root), Path(out)) as ahead:
        from jobsmith.generator import generate as run_generate

        result = run_generate(Path(spec_root), Path(out), ahead=ahead)
    stats = result.stats
    click.echo(
        f"{out}: {_count(result.jobs, 'job')}, {_count(result.folders, 'folder')}; "
        f"{_count(stats.written, 'file')} written, {stats.unchanged} unchanged, "
        f"{stats.removed} removed"
    )


@click.command("approval-hash")
@click.option("-o", "--out", default="out", show_default=True, type=click.Path(path_type=str),
              help="The output directory `jobsmith generate -o` is given, relative to "
                   "the seed workspace (the current directory).")
def approval_hash(out: str) -> None:
    """Print the script-security hash of OUT/dsl/jobsmith.groovy (SHA512:...).

    The script is the same for every spec tree of this jobsmith version, so one
    approval (e.g. JCasC `security.scriptApproval.approvedScriptHashes`) serves every
    seed run. Nothing needs to be generated first.
    """
    from jobsmith.generator.seed_script import seed_approval_hash

    click.echo(seed_approval_hash(out))


@click.command()
@spec_root_argument
@reports_errors
def casc(spec_root: str) -> None:
    """Print the JCasC fragment for the throttle categories and Priority Sorter strategy
    that the specs below SPEC_ROOT use (default ./jobs)."""
    from jobsmith.seed.casc import casc_fragment

    click.echo(casc_fragment(Path(spec_root)), nl=False)


@click.command()
def schema() -> None:
    """Print the JSON Schema of a job spec (for editors)."""
    from jobsmith.spec.schema import job_schema

    click.echo(json.dumps(job_schema(), indent=2, sort_keys=True))

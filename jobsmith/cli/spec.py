"""`jobsmith validate`, `generate` and `schema`."""

from __future__ import annotations

import json
from pathlib import Path

import click

from jobsmith.cli.common import reports_errors, spec_root_argument


@click.command()
@spec_root_argument
@reports_errors
def validate(spec_root: str) -> None:
    """Check every job spec below SPEC_ROOT (default ./jobs); exit 0 or 2."""
    from jobsmith.spec import load_tree

    tree = load_tree(Path(spec_root))
    jobs, folders = len(tree.jobs), len(tree.folders)
    click.echo(f"{spec_root}: {_count(jobs, 'job')} in {_count(folders, 'folder')}, all valid")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


@click.command()
@spec_root_argument
@click.option("-o", "--out", required=True, type=click.Path(path_type=str),
              help="Output directory (replaced atomically).")
@reports_errors
def generate(spec_root: str, out: str) -> None:
    """Write OUT/dsl, OUT/pipelines and OUT/manifest.json for SPEC_ROOT."""
    from jobsmith.generator import generate as run_generate

    result = run_generate(Path(spec_root), Path(out))
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
def schema() -> None:
    """Print the JSON Schema of a job spec (for editors)."""
    from jobsmith.spec.schema import job_schema

    click.echo(json.dumps(job_schema(), indent=2, sort_keys=True))

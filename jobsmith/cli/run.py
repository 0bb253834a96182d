"""`jobsmith run` as a click command, so `jobsmith --help` lists it.

`jobsmith.cli.main` sends `run` to the wrapper before click is even imported; this
command is reached only through click itself (e.g. `cli.main(["run", ...])` in a
program). It forwards its raw arguments to the same hand-written parser.
"""

from __future__ import annotations

import sys

import click


@click.command(
    "run",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    add_help_option=False,
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def run(args: tuple[str, ...]) -> None:
    """The wrapper: run one job step with retries, timeout, metrics and alerts."""
    from jobsmith.wrapper.cli import main

    sys.exit(main(list(args), restore_signals=True))

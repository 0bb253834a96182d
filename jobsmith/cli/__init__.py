"""The `jobsmith` command.

`jobsmith run` is the wrapper that runs every job step on an agent; it starts through
a path that imports neither click nor any other heavy module. Every other command is
a click command, loaded only when it is called.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else list(argv)
    if args[:1] == ["run"]:
        try:
            from jobsmith.wrapper.cli import main as run_main

            code = run_main(args[1:])
        except KeyboardInterrupt:  # SIGINT before the wrapper's own handler was in place
            code = 130
        sys.exit(code)
    from jobsmith.cli.app import cli

    cli.main(args=args, prog_name="jobsmith")

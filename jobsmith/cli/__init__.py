"""The `jobsmith` command.

`jobsmith run` is the wrapper that runs every job step on an agent; it starts through
a path that imports neither click nor any other heavy module. Every other command is
a click command, loaded only when it is called.
"""

import sys


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else list(argv)
    if args[:1] == ["run"]:
        try:
            from jobsmith.wrapper.cli import main as run_main

            code = run_main(args[1:])
        except KeyboardInterrupt:  # SIGINT before the wrapper's own handler was in place
            code = 130
        if argv is None:
            _exit_now(code)
        sys.exit(code)
    from jobsmith.cli.app import cli

    cli.main(args=args, prog_name="jobsmith")


def _exit_now(code: int) -> None:
    """End the wrapper's process with `code` at once, as the program `jobsmith run`.

    Everything the wrapper does is done when `run_main` returns: its output went out
    with os.write, its files are closed, its sockets are done and no thread of it is
    waited for. Python's own shutdown (tearing down every module and object) would only
    add a millisecond or two to every job step on an agent, so it is skipped. Python's
    buffered streams are flushed first, as that shutdown would.
    """
    import os

    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)

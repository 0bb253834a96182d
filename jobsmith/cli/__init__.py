"""The `jobsmith` command.

`jobsmith run` is the wrapper that runs every job step on an agent; it starts through
a path that imports neither click nor any other heavy module. Every other command is
a click command, loaded only when it is called. `run` and `generate` end their process
with `os._exit` once their work is done (`_exit_now`): Python's own teardown of
everything a large `generate` made (every module, model and cached object) costs tens
of milliseconds, more on a loaded machine, after the output is complete.
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

    if argv is None and args[:1] == ["generate"]:
        try:
            cli.main(args=args, prog_name="jobsmith")
        except SystemExit as stop:
            _exit_now(_exit_code(stop))
        return
    cli.main(args=args, prog_name="jobsmith")


def _exit_code(stop: SystemExit) -> int:
    """The exit status Python gives `stop` (a message is printed and gives 1)."""
    if stop.code is None or isinstance(stop.code, int):
        return stop.code or 0
    print(stop.code, file=sys.stderr)
    return 1


def _exit_now(code: int) -> None:
    """End the process with `code` at once, as the program `jobsmith run` or `generate`.

    Everything the wrapper does is done when `run_main` returns: its output went out
    with os.write, its files are closed, its sockets are done and no thread of it is
    waited for. Python's own shutdown (tearing down every module and object) would only
    add a millisecond or two to every job step on an agent, so it is skipped. The same
    holds for `generate` once click returns: its files were closed by their context
    managers, OUT is committed or left as it was, its lock is released, its worker
    processes are reaped, and it starts no thread. Python's buffered streams are
    flushed first, as that shutdown would.
    """
    import os

    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)

"""jobsmith: scheduled and on-demand batch jobs on Jenkins, from YAML specs."""

import sys as _sys

__version__ = "0.1.0"

if _sys.argv[1:2] == ["run"] and _sys.argv[0].rpartition("/")[2] in ("jobsmith", "-m"):
    # `jobsmith run`: until the wrapper's own handlers are in place (a few ms on), SIGINT
    # ends the process as the signal itself does (130 to a shell), as `timeout` would,
    # never as a KeyboardInterrupt traceback out of the middle of an import.
    import _signal

    _signal.signal(_signal.SIGINT, _signal.SIG_DFL)

"""What the pipeline tells the wrapper about the build's environment.

`JOBSMITH_EMPTY_ENV=NAME,...`: variables the job sets to the empty string. Jenkins
drops them on the way (`hudson.EnvVars.override` removes a variable whose value is
empty, in `withEnv` and again in the agent's launcher), so the wrapper sets each one
that is missing to "" before the command starts: it reaches the command set but empty,
as the spec says. A variable that is present is left as it is.

`JOBSMITH_FOLDED=N`: the build absorbed N more triggers while it waited in the queue
(the pipeline counts them); the wrapper adds N to the counter `<job>.folded`.
"""

EMPTY_ENV = "JOBSMITH_EMPTY_ENV"
FOLDED = "JOBSMITH_FOLDED"

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, MutableMapping


def restore_empty(environ: "MutableMapping[str, str]") -> list[str]:
    """Set every listed variable that is missing to ""; the names it set."""
    restored = []
    for name in environ.get(EMPTY_ENV, "").split(","):
        name = name.strip()
        if name and name.isidentifier() and name.isascii() and name not in environ:
            environ[name] = ""
            restored.append(name)
    return restored


def folded(environ: "Mapping[str, str]") -> int | None:
    """The number of folded triggers the pipeline passed, or None."""
    text = environ.get(FOLDED, "").strip()
    return int(text) if text.isdigit() and text.isascii() else None

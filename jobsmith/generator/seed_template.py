"""The text of the seed's fixed Job DSL script (`OUT/dsl/jobsmith.groovy`), from its
jinja2 template (`templates/jobsmith.groovy.j2`).

The template receives values only through the `groovy` filter (`groovy_string`): the
environment's `finalize` hook rejects any other text, so it cannot print one raw.

Light on imports: jinja2 is loaded when the first script is rendered, so that
`jobsmith generate` can render it in its helper process (`ahead`) while the main
process imports the rest, and never loads jinja2 itself.
"""

from __future__ import annotations

import os
import posixpath
from functools import cache
from typing import TYPE_CHECKING, Any

from jobsmith import __version__
from jobsmith.generator.groovy import GroovyCode, groovy_string

if TYPE_CHECKING:
    import jinja2

SCRIPT = "dsl/jobsmith.groovy"  # its base name must be a Java identifier (Job DSL)
DATA = "dsl/jobsmith.json"
DATA_FORMAT = 1
DEFAULT_OUT = "out"  # where the Jenkinsfile's `jobsmith generate ... -o out` writes


def data_path(out: str | os.PathLike[str], workspace: str | os.PathLike[str] | None = None,
              ) -> str:
    """The data file's path as the seed script names it: relative to `workspace`
    (default: the current directory; a relative `out` lies in it), never absolute."""
    base = os.path.abspath(workspace if workspace is not None else os.curdir)
    relative = os.path.relpath(os.path.join(base, out, DATA), base)
    return posixpath.normpath(relative.replace(os.sep, "/"))


def seed_script(out: str | os.PathLike[str] = DEFAULT_OUT,
                workspace: str | os.PathLike[str] | None = None) -> str:
    """The text of `OUT/dsl/jobsmith.groovy` for output directory `out`."""
    return render_seed_script(data_path(out, workspace), DATA_FORMAT)


def render_seed_script(data_path: str, data_format: int) -> str:
    """The seed's fixed Job DSL script, reading its data from `data_path` (relative to
    the seed workspace)."""
    return _template("jobsmith.groovy.j2").render(
        version=GroovyCode(__version__), data_path=data_path, data_format=data_format,
    )


# A tuple, not `GroovyCode | bool | int`: that union would be built again on each call,
# and `_finalize` runs for every value a template prints.
_PRINTABLE = (GroovyCode, bool, int)


def _finalize(value: Any) -> Any:
    if value is None:
        raise ValueError("template printed None")
    if isinstance(value, _PRINTABLE):
        return value
    raise TypeError(f"template printed raw text {value!r}; pass it through |groovy")


@cache
def _environment() -> jinja2.Environment:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("jobsmith", "templates"),
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        finalize=_finalize,
        # The template is package data: compiled once, never checked for changes.
        auto_reload=False,
    )
    env.filters.update(groovy=groovy_string)
    return env


@cache
def _template(name: str) -> jinja2.Template:
    return _environment().get_template(name)

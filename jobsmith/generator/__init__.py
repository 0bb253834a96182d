"""Job specs -> Job DSL scripts and Pipeline Groovy.

The names below are loaded when first used, so that the light modules of this package
(`ahead`, `seed_template`, `groovy`) can be imported without the validation model and
the renderer (`jobsmith generate` forks a helper from a process that has only those).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jobsmith.generator.build import GenerateResult, generate
    from jobsmith.generator.groovy import groovy_string
    from jobsmith.generator.render import render_job

__all__ = ["GenerateResult", "generate", "groovy_string", "render_job"]

_MODULES = {"GenerateResult": "build", "generate": "build", "groovy_string": "groovy",
            "render_job": "render"}


def __getattr__(name: str) -> Any:
    where = _MODULES.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{where}"), name)
    globals()[name] = value
    return value

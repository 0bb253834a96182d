"""Job specs: YAML files in, a validated and frozen model out.

The names below are loaded when first used, so that a light module of this package
(`jobfiles`: finding the job files) does not import the validation model.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jobsmith.spec.model import (
        Alerts,
        Credential,
        JobDocument,
        JobSpec,
        ParallelGroup,
        Parameter,
        Retention,
        RetryPolicy,
        Stage,
    )
    from jobsmith.spec.tree import SpecTree, load_tree

__all__ = [
    "Alerts",
    "Credential",
    "JobDocument",
    "JobSpec",
    "ParallelGroup",
    "Parameter",
    "Retention",
    "RetryPolicy",
    "SpecTree",
    "Stage",
    "load_tree",
]

_TREE = ("SpecTree", "load_tree")


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{'tree' if name in _TREE else 'model'}"), name)
    globals()[name] = value
    return value

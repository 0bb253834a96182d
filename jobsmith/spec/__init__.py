"""Job specs: YAML files in, a validated and frozen model out."""

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

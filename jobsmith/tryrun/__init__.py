"""`jobsmith try`: run a job's steps on this machine as its generated pipeline would.

Like `act` for GitHub Actions: the same `jobsmith run` command lines (built by
`jobsmith.generator.steps`), environment and stage order as the pipeline, so a local
success means something.
"""

from jobsmith.tryrun.environment import TryError
from jobsmith.tryrun.runner import TryOptions, TryResult, try_job

__all__ = ["TryError", "TryOptions", "TryResult", "try_job"]

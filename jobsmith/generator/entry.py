"""A job's entry in OUT/manifest.json, as the worker that rendered the job encodes it.

The manifest is indented for review, and `json` indents in pure Python (~9 us an entry):
the entry's keys and value types are fixed, so its text is put together here from
`json`'s own string encoder, exactly as `json.dumps(entry, indent=2, sort_keys=True,
ensure_ascii=False)` would write it two levels deep in the manifest (under "jobs" and
the job's name), where `generate.manifest_text` splices it.
"""

from __future__ import annotations

import hashlib
import json
import math
from json.encoder import encode_basestring

from jobsmith.generator.render import RenderedJob, spec_path
from jobsmith.spec.model import JobSpec

_KEY = "\n      "  # a key's line, two levels deep (indent 2)
_ITEM = "\n        "  # an item of a list the key holds
_END = "\n    }"


def _value(value: object) -> str:
    """A scalar as `json` writes it."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return encode_basestring(value)
    if type(value) is int or (type(value) is float and math.isfinite(value)):
        return repr(value)  # what `json` writes of them
    return json.dumps(value)


def _strings(items: tuple[str, ...] | list[str]) -> str:
    if not items:
        return "[]"
    return "[" + _ITEM + ("," + _ITEM).join([encode_basestring(item) for item in items]) \
        + _KEY + "]"


def entry_text(job: JobSpec, rendered: RenderedJob, pipeline: str, line: bytes,
               plugins: tuple[str, ...]) -> str:
    """The manifest entry of `job`: `pipeline` is its file below OUT, `line` its line of
    seed data, `plugins` the sorted plugins it needs beyond the base ones."""
    expected = rendered.expected
    # The keys in sorted order, as `sort_keys` has them.
    keys = [f'"after": {_strings(job.after)}'] if job.after else []
    keys.append(f'"disabled": {_value(job.disabled)}')
    # What the seed's restated results carry, as the finish step does.
    keys.append(f'"handlers": {_strings(job.alerts.handlers)}')
    keys.append(f'"max_duration": {_value(job.alerts.max_duration)}')
    keys.append(f'"pipeline": {encode_basestring(pipeline)}')
    if plugins:
        keys.append(f'"plugins": {_strings(plugins)}')
    # Longest from a fire time to that build's result (the seed's expectation of a job
    # that has not run yet: jobsmith/seed/expect.py).
    keys.append(f'"run_bound": {_value(expected.run_bound if expected is not None else None)}')
    keys.append(f'"schedule": {_value(rendered.schedule)}')
    # Of the job's line in the data.
    keys.append(f'"sha256": "{hashlib.sha256(line).hexdigest()}"')
    keys.append(f'"source": {encode_basestring(spec_path(job))}')
    keys.append(f'"ttl": {_value(rendered.ttl)}')
    return "{" + _KEY + ("," + _KEY).join(keys) + _END

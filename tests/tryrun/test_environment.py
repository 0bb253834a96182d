"""The environment rules of `withEnv`, as `hudson.EnvVars.override` (Jenkins core)
applies each entry: an empty value removes the variable, `KEY+NAME=value` prepends
`value` to KEY with the path separator (or sets it when KEY is unset)."""

from __future__ import annotations

import pytest

from jobsmith.tryrun.environment import override


@pytest.mark.parametrize(("base", "pairs", "expected"), [
    ({"A": "1"}, ["B=2"], {"A": "1", "B": "2"}),
    ({"A": "1"}, ["A=3"], {"A": "3"}),
    ({"A": "1"}, ["A="], {}),
    ({}, ["A="], {}),
    ({"PATH": "/usr/bin"}, ["PATH+TOOLS=/opt/tools/bin"], {"PATH": "/opt/tools/bin:/usr/bin"}),
    ({}, ["PATH+TOOLS=/opt/tools/bin"], {"PATH": "/opt/tools/bin"}),
    ({"X": "a=b"}, ["Y=c=d"], {"X": "a=b", "Y": "c=d"}),
])
def test_override(base: dict[str, str], pairs: list[str], expected: dict[str, str]) -> None:
    assert override(base, pairs) == expected

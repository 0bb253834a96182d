"""The fast path of reading a spec's YAML (spec/yamlfast.py) gives exactly what the
old path gives: PyYAML's own resolver, and `yamlsource._Builder` on the same nodes.

Each comparison runs `parse_text` twice on the same text, once as it is and once with
the fast builder made to decline every document, and compares everything a caller can
see: the data, every position (in order), the block and quoted scalars, or the problem
(message, file:line:col). The documents are hostile on purpose: quotes, `${}`, `'''`,
anchors and aliases, tags, merge keys, flow style, duplicate keys, tabs, NUL and other
junk, empty files.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from jobsmith.spec import yamlfast, yamlsource
from jobsmith.spec.yamlsource import Located, SourceError, parse_text

DISPLAY = "jobs/x.yaml"
KEYS = ["description", "schedule", "agent", "command", "env", "stages", "name", "retries",
        "count", "timeout", "parameters", "default", "on", "yes", "null", "1", "<<", "=",
        "x y", "${A}", "'''", "~"]
WORDS = ["", "H H * * *", "linux && batch", "30m", "3", "-1", "0x1f", "0o17", "017", "1_000",
         "1:20", "1.5", ".inf", "-.Inf", ".NaN", "1e3", "1.0e+3", "yes", "No", "ON", "off",
         "true", "False", "null", "~", "Null", "NULL", "2026-01-01", "<<", "=", "${HOME}",
         "'''", '"', "a: b", "- x", "#c", "&a", "*a", "!!int 3", "!!str 3", "! x", "\t",
         "a\tb", "é€😀", "\\u0027", "x\n y", "|", ">", "[1, 2]", "{a: 1}", "?", "@x", "`x`",
         "%", "0b101", "+12", "12:30:00", "nan", "y", "n", "Y", "N", "o", "0", "00", "0.",
         "._", "-", "+", "+.inf", "1__2", "0x_", "18446744073709551616"]


def _outcome(text: str) -> tuple[Any, ...]:
    try:
        located = parse_text(text, DISPLAY)
        _check_value_at(text, located)
    except SourceError as error:
        return ("problem", error.problem)
    except Exception as error:  # `a: !!int x` raises ValueError today, on both paths
        return ("raised", type(error), str(error))
    return ("data", located.data, list(located.values.items()), list(located.keys.items()),
            sorted(map(repr, located.block_scalars)), sorted(map(repr, located.quoted)))


def _check_value_at(text: str, located: Located) -> None:
    """`value_at` (which the fast path answers from the nodes, before the positions are
    read) agrees with `values`, for every path there and for paths next to them."""
    fresh = parse_text(text, DISPLAY)
    paths = [(), ("command",), ("stages", 0, "name"), ("after", -1), ("x", "y")]
    for path in located.values:
        paths += [path, (*path, 0), (*path, 1), (*path, -1), (*path, "name"), (*path, "0")]
    assert [fresh.value_at(path) for path in paths] == [located.values.get(path)
                                                       for path in paths]
    assert [located.value_at(path) for path in paths] == [located.values.get(path)
                                                         for path in paths]


def _declined(*_: Any) -> Any:
    raise yamlfast.Unusual


class _Count:
    def __init__(self) -> None:
        self.fast = 0
        self.declined = 0


def _both(text: str, count: _Count | None = None) -> tuple[Any, ...]:
    """Both paths' outcome for `text`; they must agree."""
    build = yamlfast.build
    declined = False

    def watched(*args: Any) -> Any:
        nonlocal declined
        try:
            return build(*args)
        except yamlfast.Unusual:
            declined = True
            raise

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(yamlfast, "build", watched)
        fast = _outcome(text)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(yamlfast, "build", _declined)
        slow = _outcome(text)
    assert fast == slow
    if count is not None:
        count.declined += declined
        count.fast += not declined
    return fast


# Scalars of every style: plain words where YAML allows them, else quoted.
def _scalar_text(value: str, style: str) -> str:
    return yaml.safe_dump(value, default_style=style or None, width=1000).removesuffix(
        "\n...\n").rstrip("\n")


SCALARS = st.one_of(
    st.sampled_from(WORDS),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=12),
    st.integers(-(2 ** 70), 2 ** 70).map(str),
    st.floats(allow_nan=True).map(str),
)


@st.composite
def _values(draw: st.DrawFn, depth: int = 0) -> Any:
    leaf = st.one_of(SCALARS, st.booleans(), st.none(), st.integers(-10 ** 6, 10 ** 6))
    if depth >= 3:
        return draw(leaf)
    return draw(st.one_of(
        leaf,
        st.lists(_values(depth + 1), max_size=3),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), SCALARS), _values(depth + 1),
                        max_size=4),
    ))


@st.composite
def spec_documents(draw: st.DrawFn) -> str:
    """A spec-shaped document in a random mix of YAML styles."""
    data = draw(st.dictionaries(st.one_of(st.sampled_from(KEYS), SCALARS), _values(),
                                min_size=1, max_size=6))
    style = draw(st.sampled_from(["", "'", '"', "|", ">"]))
    return yaml.safe_dump(data, default_style=style or None, allow_unicode=draw(st.booleans()),
                          default_flow_style=draw(st.sampled_from([False, True, None])),
                          sort_keys=False, width=draw(st.sampled_from([20, 80, 1000])))


JUNK = ["&a ", "*a", "&a [1, 2]", "*b", "!!int ", "!!str ", "!!binary ", "!!timestamp ",
        "!!float ", "!!bool ", "!!null ", "!!map ", "!!seq ", "!!set ", "!!omap ", "!foo ",
        "!!python/name:os.system ", "<<: *a", "<<: {x: 1}", "<<: [*a]", "? ", ": ", "- ",
        "'", '"', "'''", '"""', "${X}", "\t", "\x00", "\x01", "\ufeff", "\x85", "\u2028",
        "{", "}", "[", "]", ",", "#", "%YAML 1.1\n", "---\n", "...\n", "|", ">", "|-\n  x",
        "=: 1", "~: 2", "null: 3", "1: 4", "[a]: 5", "{a: 1}: 6", "\n  ", "\n", "é", "😀",
        "x: &a {y: 1}\nz: *a\n", "a: 1\na: 2\n", "? [a]\n: 1\n"]


@st.composite
def hostile_documents(draw: st.DrawFn) -> str:
    """A spec-shaped document with junk put in at random places."""
    text = draw(spec_documents())
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(JUNK)) + text[at:]
    return text


@given(spec_documents())
def test_spec_documents_agree(text: str) -> None:
    _both(text)


@given(hostile_documents())
def test_hostile_documents_agree(text: str) -> None:
    _both(text)


@pytest.mark.parametrize("text", [
    "", " ", "\n", "# only a comment\n", "---\n", "---\n...\n", "~\n", "null\n", "3\n",
    "[1, 2]\n", "- a\n", "'text'\n", "a: 1\n---\nb: 2\n", "x: [\n", "x: 'open\n",
    'x: "open\n', "x:\n\t- y\n", "a: 1\na: 2\n", "a: 1\nb:\n  c: 1\n  c: 2\n",
    "? [a]\n: 1\n", "? {a: 1}\n: 1\n", "1: x\n", "true: x\n", "null: x\n", "~: x\n",
    "a: &x {b: 1}\nc: *x\n", "a: &x [1, 2]\nb: *x\n", "a: *nowhere\n",
    "base: &b {x: 1}\njob:\n  <<: *b\n  y: 2\n", "<<: {a: 1}\nb: 2\n", "=: 1\n",
    "a: !!int 3\n", "a: !!int x\n", "a: !!bool maybe\n", "a: !!float 1\n", "a: !!str 3\n",
    "a: !!binary aGk=\n", "a: !!timestamp 2026-01-01\n", "a: !foo x\n", "a: !!set {x}\n",
    "a: !!python/object:os.system x\n", "!!map {a: 1}\n", "!!omap [a: 1]\n",
    "a: !!map {b: 1}\n", "a: !!seq [1]\n", "a: ! x\n", "a: !<tag:yaml.org,2002:str> 3\n",
    "a: 1:20\nb: 0x1F\nc: 0o17\nd: 017\ne: 1_000\nf: .inf\ng: -.nan\nh: 1.5e3\n",
    "a: yes\nb: No\nc: ON\nd: off\ne: ~\nf: null\ng: Null\nh: 2026-01-01\n",
    "a: |\n  x\n  y\nb: >-\n  z\nc: 'q''s'\nd: \"e\\u0027\"\ne: ''\n",
    "env: {A: '${B}', C: \"'''\", D: $X}\n", "a: [1, {b: [2, {c: 3}]}]\n",
    "a: " + "[" * 200 + "]" * 200 + "\n", "a: " + "[" * 50 + "]" * 50 + "\n",
    "a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\nd: &d [*c, *c]\n",
    "\ufeffa: 1\n", "a: 1\r\nb: 2\r\n", "a:\u00851\n", "a: b\u2028c\n",
])
def test_chosen_documents_agree(text: str) -> None:
    _both(text)


def test_the_fast_path_takes_ordinary_specs() -> None:
    """The fast builder is not declining everything (the comparisons would then compare
    the old path with itself)."""
    count = _Count()
    for text in ["description: job\nschedule: H H * * *\ncommand: ./run.sh\n",
                 "stages:\n  - {name: a, command: [x, 'y']}\n  - name: b\n    command: |\n"
                 "      z\nretries: 3\ndisabled: false\nenv: {A: ~}\nrate: 1.5\n"]:
        _both(text, count)
    assert (count.fast, count.declined) == (2, 0)
    outcome = _both("a: 1\na: 2\n", count)
    assert count.declined == 1 and outcome[0] == "problem"


def test_an_alias_bomb_stops_both_paths() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    outcome = _both("\n".join(lines) + "\n")
    assert outcome[0] == "problem" and "over 200,000 values" in outcome[1].message


def test_a_small_node_limit_agrees(monkeypatch: pytest.MonkeyPatch) -> None:
    """Around the limit, both paths count the same values."""
    text = "a: [1, 2, 3]\nb: {c: [4, 5], d: x}\n"  # 10 values with the top level
    for limit in range(1, 13):
        monkeypatch.setattr(yamlsource, "MAX_NODES", limit)
        _both(text)


BASE = yaml.resolver.BaseResolver


@given(st.one_of(st.sampled_from(WORDS + KEYS), SCALARS), st.booleans(), st.booleans())
def test_the_resolver_agrees_with_pyyaml(value: str, plain: bool, quoted: bool) -> None:
    loader = yamlsource._Loader("")
    try:
        for _ in range(2):  # the second time from what it remembered
            for kind in (ScalarNode, SequenceNode, MappingNode):
                scalar = value if kind is ScalarNode else None
                assert (loader.resolve(kind, scalar, (plain, quoted))
                        == BASE.resolve(loader, kind, scalar, (plain, quoted)))
    finally:
        loader.dispose()


def test_the_resolver_forgets_nothing_it_should_not(monkeypatch: pytest.MonkeyPatch) -> None:
    """What it remembers is bounded, and a value it has not kept is resolved afresh."""
    loader = yamlsource._Loader("")
    monkeypatch.setattr(type(loader), "_tags", {})
    try:
        for i in range(yamlfast.TAGS_KEPT + 10):
            loader.resolve(ScalarNode, f"n{i}", (True, False))
        assert len(type(loader)._tags) <= yamlfast.TAGS_KEPT
        assert loader.resolve(ScalarNode, "no", (True, False)) == "tag:yaml.org,2002:bool"
        assert loader.resolve(ScalarNode, "no", (False, True)) == "tag:yaml.org,2002:str"
    finally:
        loader.dispose()


def test_path_resolvers_are_refused() -> None:
    class WithPaths(yamlfast.FastResolver, yaml.SafeLoader):
        pass

    WithPaths.add_path_resolver("tag:yaml.org,2002:str", ["a"], ScalarNode)
    with pytest.raises(TypeError):
        WithPaths.prepare()


def test_both_loaders_build_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without libyaml (pure-Python composer: plain scalars have no style) too."""
    text = "a: x\nb: 'y'\nc: |\n  z\nd: [1, {e: ~}]\n"
    expected = _both(text)
    monkeypatch.setattr(yamlsource, "_Loader", yamlsource._PyLoader)
    assert _both(text) == expected

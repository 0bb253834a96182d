"""The line reader (spec/yamlline.py) gives exactly what composing the text gives.

Each comparison runs `parse_text` twice on the same text, once as it is (the line
reader first) and once with the line reader off (libyaml composes it, and
`yamlfast.build` or `_Builder` read the nodes), and compares everything a caller can see
(`test_yamlfast._outcome`): the data, every position in order, the key positions, the
block and quoted scalars, `value_at` before and after the positions are read, or the
problem (message, file:line:col). The documents are of the shapes the reader takes, in
every style it knows and many it does not, with junk put in at random places.
"""

from __future__ import annotations

import random
import re
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from yaml.nodes import ScalarNode

from jobsmith.spec import yamlline, yamlsource
from jobsmith.spec.yamlsource import parse_text
from tests.spec.test_yamlfast import (
    DISPLAY,
    JUNK,
    WORDS,
    _outcome,
    hostile_documents,
    spec_documents,
)

BENCH_SPEC = """description: Synthetic job 7
schedule: H H * * *
agent: linux && batch
timeout: 30m
retention: {builds: 30}
parameters:
  - {name: TARGET, default: all, description: what to process}
command: ./process.sh --part 7 "$TARGET"
"""


class _Count:
    def __init__(self) -> None:
        self.read = 0
        self.declined = 0


def _both(text: str, count: _Count | None = None) -> tuple[Any, ...]:
    """Both paths' outcome for `text`; they must agree."""
    read = yamlsource._line_read
    assert read is not None  # libyaml is there (the reader needs its composer)
    taken = False

    def watched(text: str) -> Any:
        nonlocal taken
        found = read(text)
        taken = taken or found is not None
        return found

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(yamlsource, "_line_read", watched)
        fast = _outcome(text)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(yamlsource, "_line_read", None)
        slow = _outcome(text)
    assert fast == slow, text
    if count is not None:
        count.read += taken
        count.declined += not taken
    return fast


GOOD_KEYS = ["description", "schedule", "agent", "command", "env", "stages", "name", "count",
             "timeout", "a.b", "x/y", "A_B", "k-1", "_", "k" * 128]
BAD_KEYS = ["9", "on", "yes", "No", "null", "~", "true", "1", "1.5", "0x1f", "<<", "=", "x y",
            "-x", "?x", "a:b", "é", "k" * 129, "Off"]
KEYS = GOOD_KEYS * 10 + BAD_KEYS
GOOD_PLAIN = ["H H * * *", "linux && batch", "30m", "./run.sh --part 1 \"$T\"", "a #b",
              "x:y", "a :b", "echo {a} [b], c", "it's", "say \"hi\"", "\\n", "café", "€",
              "a\u00a0b", "0", "+1", "1e3", ".inf", "~", "null", "yes", "off", "3", "017",
              "1:20", "1_000", "0b11", "2026-01-01", "x ?", "a,b", "a%b", "a@b", "a!b", "a&b",
              "a*b", "a|b", "a>b", "a=b", "<<", "=", "NaN", ".nan", "True", "1.5e+3"]
BAD_PLAIN = ["a # comment", "a: b", "a:", "- a", "-1", "&a", "*a", "!x", "|", ">", "%x", "@x",
             "`x`", "#x", "?", "{a}", "[a]", "'a", '"a', ":x", ",x", "]", "}"]
PLAIN = GOOD_PLAIN * 6 + BAD_PLAIN


def _plain() -> st.SearchStrategy[str]:
    return st.one_of(*[st.sampled_from(PLAIN)] * 12, st.sampled_from(WORDS),
                     st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]),
                             max_size=8),
                     st.text(st.characters(min_codepoint=32, max_codepoint=0x24f),
                             max_size=8))


@st.composite
def _scalar(draw: st.DrawFn, flow: bool = False) -> str:
    """A scalar as the reader might meet it: plain, quoted, with a comment."""
    text = draw(_plain())
    style = draw(st.sampled_from(["plain", "plain", "plain", "'", '"', "comment"]))
    if style == "'" and not flow:
        return "'" + text + "'"
    if style == '"' and not flow:
        return '"' + text + '"'
    if style == "comment" and not flow:
        return text + draw(st.sampled_from([" # c", "  #c", " #", " # c", "#c"]))
    return text


@st.composite
def _flow(draw: st.DrawFn) -> str:
    if draw(st.booleans()):
        pairs = draw(st.lists(st.tuples(st.sampled_from(KEYS), _scalar(flow=True)),
                              max_size=3))
        space = draw(st.sampled_from(["", " "]))
        inner = ", ".join(f"{key}: {value}" for key, value in pairs)
        return "{" + space + inner + space + "}"
    items = draw(st.lists(_scalar(flow=True), max_size=3))
    return "[" + draw(st.sampled_from([", ", ",", " , "])).join(items) + "]"


@st.composite
def _block(draw: st.DrawFn, indent: int, depth: int) -> list[str]:
    """The lines of a block mapping or sequence at `indent`."""
    step = draw(st.sampled_from([1, 2, 2, 3, 4]))
    lines: list[str] = []
    used: set[str] = set()
    sequence = depth > 0 and draw(st.booleans())
    for _ in range(draw(st.integers(1, 3))):
        pad = " " * indent
        if draw(st.integers(0, 6)) == 0:
            lines.append(" " * draw(st.integers(0, indent + 3)) + draw(st.sampled_from(
                ["# note", "#", "", "  "])))
        kind = draw(st.sampled_from(["scalar", "scalar", "flow", "block", "empty"]
                                    if depth < 3 else ["scalar", "flow", "empty"]))
        if sequence:
            head = pad + "-" + " " * draw(st.sampled_from([1, 1, 2]))
            if kind == "block":  # a mapping in the item
                inner = draw(_block(len(head), depth + 1))
                lines.append(head + inner[0].lstrip(" "))
                lines.extend(inner[1:])
                continue
        else:
            key = draw(st.sampled_from(KEYS))
            if key in used and draw(st.integers(0, 9)):  # a duplicate now and then
                key += str(len(used))
            used.add(key)
            head = pad + key + ":" + " " * draw(st.sampled_from([1, 1, 2]))
        if kind == "scalar":
            lines.append(head + draw(_scalar()))
        elif kind == "flow":
            lines.append(head + draw(_flow()))
        elif kind == "empty":
            lines.append(head.rstrip(" ") + draw(st.sampled_from(["", " # c", "   "])))
        else:
            lines.append(head.rstrip(" "))
            below = indent + step if draw(st.integers(0, 3)) else indent  # or indentless
            lines.extend(draw(_block(below, depth + 1)))
    return lines


@st.composite
def reader_documents(draw: st.DrawFn) -> str:
    """A spec-shaped document of the forms the line reader takes (mostly)."""
    lines = draw(_block(0, 0))
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\n\n", "\n# end\n"]))


MORE_JUNK = [*JUNK, " #", "#", ": ", ":", "- ", "-", "  ", " ", "\n", "\n ", "\n  ", "\n    ",
             "'", '"', "\\", "''", "{", "}", "[", "]", ",", "|", ">", "&", "*", "!", "%",
             "@", "`", "?", "~", "\t", "\r", "\r\n", "\u00a0", "\ufeff", "\u2029", "\x7f",
             "\x1f", "---", "...", "--- ", "\n---\n", "é", "😀", "\U00010000", "\ufffd",
             "\ufffe", "a: 1\n", "\n- x", "\n  - x", "\nk:\n  j: 1", ": x", "'a'", "\"a\"",
             "[a, b]", "{a: b}", "{a: b, a: c}"]


# Junk that leaves many documents readable: near the edge of what the reader takes.
MILD_JUNK = [" ", "  ", "\n", "\n ", "\n  ", "#", " #", " # x", ":", ": ", "-", "- ", "'", '"',
             ",", "?", "é", "x", "1", "\u00a0", "!", "&", "*", "{", "[", "}", "]", "~", "|"]


@st.composite
def reader_hostile(draw: st.DrawFn) -> str:
    text = draw(reader_documents())
    junk = draw(st.sampled_from([MORE_JUNK, MILD_JUNK, MILD_JUNK]))
    for _ in range(draw(st.integers(1, 2))):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(junk)) + text[at:]
    return text


@settings(max_examples=400)
@given(reader_documents())
def test_reader_documents_agree(text: str) -> None:
    _both(text)


@settings(max_examples=600)
@given(reader_hostile())
def test_reader_documents_with_junk_agree(text: str) -> None:
    _both(text)


@given(spec_documents())
def test_dumped_documents_agree(text: str) -> None:
    _both(text)


@given(hostile_documents())
def test_dumped_documents_with_junk_agree(text: str) -> None:
    _both(text)


CHOSEN = [
    BENCH_SPEC, "a: 1\n", "a:\n", "a: # c\n", "a:\nb: 2\n", "a:\n  b: 1\n c: 2\n",
    "a:\n  b: 1\n  c:\n    - x\n    - y: 1\n      z: [1, 2]\n", "a:\n- x\n- y\nb: 1\n",
    "a:\n- x\n  - y\n", "a:\n- x\n  y\n", "a: x\n  y\n", "a: x\n\n  y\n", "a: x\n  # c\n",
    "a: x\n# c\n  y\n", "- a\n", "a: 1\n- b\n", "  a: 1\n", "a: 1\n  b: 2\n",
    "a: {}\nb: []\nc: { }\nd: [ ]\n", "a: {b: 1,}\n", "a: [1,]\n", "a: {b: }\n", "a: {b:1}\n",
    "a: {b: 1} # c\n", "a: {b: {c: 1}}\n", "a: [[1]]\n", "a: {b c: 1}\n", "a: {on: 1}\n",
    "a: [x y, z]\n", "a: {b: 1, b: 2}\n", "a: 1\na: 2\n", "a:\n  b: 1\n  b: 2\n",
    "a: 'x'\n", "a: 'x' # c\n", "a: 'x'#c\n", "a: 'x' y\n", "a: 'it''s'\n", "a: \"x\"\n",
    "a: \"x\\ty\"\n", "a: \"x\" # c\n", "a: ''\nb: \"\"\n", "a: 'x\n  y'\n", "a: \"x\n  y\"\n",
    "a: x # c\nb: y#z\nc: w  #  v\n", "a: x:y\nb: x :y\n", "a: x: y\n", "a: x:\n",
    "a: -1\nb: -x\nc: ?x\nd: :x\n", "a: |\n  x\n", "a: >\n  x\n", "a: &x 1\nb: *x\n",
    "a: !!str 1\n", "on: 1\n", "1: x\n", "null: x\n", "<<: {a: 1}\n", "=: 1\n", "a b: 1\n",
    "a: 1\n---\n", "---\na: 1\n", "a: 1\n...\n", "%YAML 1.1\n---\na: 1\n", "a: \ufeffx\n",
    "a: 1\r\n", "a:\t1\n", "a: x\u2028y\n", "a: x\x85y\n", "a: é€\nb: 😀\n", "a: \u00a0\n",
    "a: x \u00a0\n", "é: 1\n", "a:\n  - b: 1\n    c: 2\n  - d\n", "a:\n  -  b: 1\n     c: 2\n",
    "a:\n  - b: 1\n   c: 2\n", "a:\n  -\n    b: 1\n", "a:\n  - - x\n", "a:\n  - # c\n    x\n",
    "a:\n  - b:\n    - c\n", "a:\n  - b:\n  c: 1\n", "a: 30m\nb: 3\nc: 1.5\nd: true\ne: ~\n",
    "a: 0x1F\nb: 0o17\nc: 017\nd: 1_000\ne: 1:20\nf: .NaN\ng: -.inf\nh: 0b101\n",
    "a: [1, 0x1f, yes, ~, 1.5]\nb: {c: 3, d: off, e: null}\n", "k" * 129 + ": 1\n",
    "k" * 128 + ": 1\n", "a: " + "[" * 30 + "]" * 30 + "\n",
    "".join(f"{'  ' * i}k{i}:\n" for i in range(30)) + "  " * 30 + "x: 1\n",
    "".join(f"{'  ' * i}k{i}:\n" for i in range(19)) + "  " * 19 + "x: 1\n",
    "a: 1\n" * 2 + "b: 2\n", "a: [" + "1, " * 3000 + "1]\n", "a: {b: x #c}\n",
    "a: {b: x#c}\n", "a: [x #c]\n", "a: [x#c]\n", "a: [b: c]\n", "a: [b:c]\n",
    "a: {b: c:d}\n", "a: {b: c: d}\n", "a: x\t\n", "a: x\ty\n", "\ta: 1\n", "a:\n\t- x\n",
    "a: [x\t]\n", "a: 'x'\t\n", "a:\n  - x\t\n", "a:\n- x#y\n- z # c\n- w #\n",
    "a:\n- x y:\n", "a:\n- x y: 1\n", "a: `x`\n", "a: [`x`]\n", "a: {b: `x`}\n", "a:\n- `x`\n",
    "a: x`\n", "a:\n- # c\n", "a:\n- #\n  x\n",
]

# Documents the reader must take (and agree on): each form it knows.
TAKEN = [
    BENCH_SPEC, "a: 1\n", "a:\n", "a: # c\n", "a:\n- x\n- y\nb: 1\n",
    "a:\n  -  b: 1\n     c: 2\n  - d\n", "a:\n  - b:\n    - c\n", "a:\n  - b:\n    c: 1\n",
    "a:\n    b: 1\n    c:\n      - x\n      - y: 1\n        z: [1, 2]\nd: 2\n",
    "a: {}\nb: []\nc: { }\nd: [ ]\ne: {f: 1, g: x y}\nh: [1 , two]\n",
    "a: 'x' # c\nb: \"y\"\nc: ''\nd: x # c\ne: y#z\n# c\n  # c\n\nf: z  \n",
    "a: 30m\nb: 3\nc: 1.5\nd: true\ne: ~\nf: 0x1F\ng: 017\nh: 1:20\ni: x:y\n",
    "k" * 128 + ": 1\n", "a: é€\nb: \u00a0\n",
]


@pytest.mark.parametrize("text", TAKEN)
def test_the_reader_takes_each_form_it_knows(text: str) -> None:
    count = _Count()
    _both(text, count)
    assert count.read == 1


@pytest.mark.parametrize("text", CHOSEN)
def test_chosen_documents_agree(text: str) -> None:
    _both(text)


def test_the_reader_takes_ordinary_specs() -> None:
    """The reader is not declining everything (the comparisons would then compare the
    composed path with itself): the bench's spec, and a good share of its own documents."""
    count = _Count()
    for text in [BENCH_SPEC, "description: job\nschedule: H H * * *\ncommand: ./run.sh\n",
                 "stages:\n  - name: a\n    command: [x, y]\n  - {name: b, command: z}\n"
                 "retries:\n  count: 3\n  backoff: 30s\nenv: {A: ~}\nrate: 1.5\n"]:
        _both(text, count)
    assert (count.read, count.declined) == (3, 0)
    draw = random.Random(7)
    for _ in range(200):
        _both(_example(draw), count)
    assert count.read >= 60, (count.read, count.declined)


def _example(draw: random.Random) -> str:
    """A document of the reader's forms from a seeded generator (not hypothesis: the
    share it takes is asserted)."""
    def block(indent: int, depth: int) -> list[str]:
        lines = []
        sequence = depth > 0 and draw.random() < 0.4
        for _ in range(draw.randint(1, 3)):
            kind = draw.choice(["scalar", "flow", "block", "empty"] if depth < 2
                               else ["scalar", "flow"])
            key = draw.choice(GOOD_KEYS)
            head = " " * indent + ("- " if sequence else f"{key}: ")
            if kind == "scalar":
                lines.append(head + draw.choice([*GOOD_PLAIN, "'q'", '"d"', "x # c"]))
            elif kind == "flow":
                lines.append(head + draw.choice(["{a: 1, b: x}", "[1, two]", "{}", "[]"]))
            elif kind == "empty" and not sequence:
                lines.append(head.rstrip(" "))
            elif sequence:
                inner = block(indent + 2, depth + 1)
                lines.append(head + inner[0].lstrip(" "))
                lines.extend(inner[1:])
            else:
                lines.append(head.rstrip(" "))
                lines.extend(block(indent + draw.choice([0, 2, 4]), depth + 1))
        return lines

    return "\n".join(block(0, 0)) + "\n"


def test_positions_of_top_level_values_come_from_the_text() -> None:
    """`value_at` of a top-level value on its key's line, or of a value that is not
    there, is found without composing the text; any other position composes it once."""
    located = parse_text(BENCH_SPEC, "jobs/x.yaml")
    assert type(located) is yamlsource._TextLocated
    assert located.value_at(("schedule",)) == ("jobs/x.yaml", 2, 11)
    assert located.value_at(("command",)) == ("jobs/x.yaml", 8, 10)
    assert located.value_at(("priority",)) is None
    assert located.value_at(("throttle", "max_total")) is None  # not there: no position
    assert located.value_at(("parameters", 1)) is None
    assert located.value_at(("parameters", 0, "x")) is None
    assert located.value_at(("retention", "builds", 0)) is None
    assert "_root" not in located.__dict__
    assert located.value_at(("parameters", 0, "name")) == ("jobs/x.yaml", 7, 12)
    assert "_root" in located.__dict__ and "values" not in located.__dict__
    assert located.values[("retention",)] == ("jobs/x.yaml", 5, 12)


@given(st.one_of(st.sampled_from(WORDS + KEYS + PLAIN), _plain()))
def test_the_plain_tag_is_the_resolvers(value: str) -> None:
    """`plain_tag` is PyYAML's own resolution of a plain scalar, and a text whose first
    character is not among the reader's `starts` is text."""
    loader = yamlsource._Loader("")
    try:
        for _ in range(2):  # the second time from what it remembered
            expected = yaml.resolver.BaseResolver.resolve(loader, ScalarNode, value,
                                                          (True, False))
            assert type(loader).plain_tag(value) == expected
    finally:
        loader.dispose()
    read = yamlsource._line_read
    assert read is not None
    reader = read.__self__
    if value and value[0] not in reader.starts:
        assert expected == yamlline.STR


def test_the_constructor_is_safe_constructors() -> None:
    """SafeConstructor's own value for each tag and text, also when remembered."""
    construct = yamlline.constructor_of(yaml.SafeLoader.yaml_constructors,
                                        yaml.constructor.SafeConstructor())
    cases = [("int", "0x1f", 31), ("int", "017", 15), ("int", "1:20", 80),
             ("float", ".inf", float("inf")), ("float", "1_0.5", 10.5), ("bool", "Yes", True),
             ("bool", "off", False), ("null", "~", None), ("null", "", None)]
    for _ in range(2):
        for tag, text, value in cases:
            made = construct(f"tag:yaml.org,2002:{tag}", text)
            assert made == value and type(made) is type(value)


def test_the_reader_declines_below_its_depth() -> None:
    def nested(depth: int) -> str:
        return "".join(f"{' ' * i}k{i}:\n" for i in range(depth)) + " " * depth + "x: 1\n"

    count = _Count()
    _both(nested(yamlline.MAX_DEPTH), count)
    assert (count.read, count.declined) == (1, 0)
    _both(nested(yamlline.MAX_DEPTH + 1), count)
    assert (count.read, count.declined) == (1, 1)


def test_the_reader_never_meets_the_node_limit() -> None:
    """Every value takes at least two characters (`1,`), so a text the reader takes has
    fewer values than `yamlsource.MAX_NODES`; a longer one is composed, and the limit
    found there."""
    assert yamlline.MAX_TEXT // 2 + 1 < yamlsource.MAX_NODES
    count = _Count()
    outcome = _both("a: [" + "1," * yamlsource.MAX_NODES + "1]\n", count)
    assert outcome[0] == "problem" and "over 200,000 values" in outcome[1].message
    assert count.declined == 1


def test_documents_share_no_value_that_can_change() -> None:
    """A flow mapping or sequence the reader remembers comes out as a new copy each time:
    changing one document's data changes no other's."""
    text = "a: {b: 1, c: x}\nd: [1, two]\ne:\n  - {b: 1, c: x}\n"
    first = parse_text(text, DISPLAY).data
    second = parse_text(text, DISPLAY).data
    assert first == second
    first["a"]["b"] = 2
    first["d"].append(3)
    first["e"][0]["c"] = "y"
    third = parse_text(text, DISPLAY).data
    assert second == third == {"a": {"b": 1, "c": "x"}, "d": [1, "two"],
                               "e": [{"b": 1, "c": "x"}]}


def test_the_refused_characters_are_all_but_yamls_printable_ones() -> None:
    """Every code point, alone and in a text that is not ASCII, against the allowed set
    written the other way round: a line feed, printable ASCII, the Basic Multilingual
    Plane's printable characters less U+2028, U+2029, U+FEFF."""
    allowed = re.compile("[\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]")
    for code in range(0x110000):
        char = chr(code)
        expected = allowed.fullmatch(char) is None
        assert yamlline.refused(char) is expected, hex(code)
        if code < 0x80:
            assert yamlline.refused(char + "\u00e9") is expected, hex(code)

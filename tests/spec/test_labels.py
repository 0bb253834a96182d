"""Jenkins label expressions: the grammar of hudson.model.labels, table-driven."""

from __future__ import annotations

import pytest

from jobsmith.spec.labels import LabelError, check_label_expression, tokenize

VALID = [
    "linux",
    "db && linux",
    "a||b&&c",
    "!windows",
    "!(a || b)",
    "!(!a)",
    "a -> b",
    "a->b",                      # `->` ends an atom without spaces
    "(a -> b) -> c",
    "a <-> b <-> c",             # `<->` chains
    "x86-64 && linux-arm",       # `-` inside a label
    "-x",
    "x-",
    '"my label" || (a -> b)',
    r'"quo\"ted" && "back\\slash"',
    "  linux\t&&  db  ",
    "ünïcode && 日本",
    "a.b:c@d/e=f",
]

INVALID = [
    ("", 1, "cannot be empty"),
    ("   ", 1, "cannot be empty"),
    ("a b", 3, "expected an operator (&&, ||, ->, <->) or the end, found 'b'"),
    ("a &&", 5, "expected a label, found the end"),
    ("&& a", 1, "expected a label, found '&&'"),
    ("a & b", 3, "unexpected '&'"),
    ("a | b", 3, "unexpected '|'"),
    ("a -> b -> c", 8, "`->` does not chain"),
    ("!!a", 2, "`!` cannot follow `!`"),
    ("(a", 3, "expected `)`, found the end"),
    ("a)", 2, "found ')'"),
    ("()", 2, "expected a label, found ')'"),
    ("a < b", 3, "unexpected '<'"),
    ("a > b", 3, "unexpected '>'"),
    ("it's", 3, "unexpected \"'\""),
    ('"open', 1, "unterminated quoted label"),
    ('"bad \\q escape"', 6, "invalid escape"),
    ('"line\nbreak"', 1, "unterminated quoted label"),
    ("a -> ", 6, "expected a label, found the end"),
]


@pytest.mark.parametrize("text", VALID)
def test_valid(text: str) -> None:
    check_label_expression(text)


@pytest.mark.parametrize(("text", "column", "message"), INVALID, ids=[c[0] or "empty"
                                                                      for c in INVALID])
def test_invalid(text: str, column: int, message: str) -> None:
    with pytest.raises(LabelError) as caught:
        check_label_expression(text)
    assert message in caught.value.message
    assert caught.value.column == column


def test_tokens_of_arrows_without_spaces() -> None:
    kinds = [(t.kind, t.text) for t in tokenize("a-b->c<->!d")]
    assert kinds == [("atom", "a-b"), ("->", "->"), ("atom", "c"), ("<->", "<->"),
                     ("!", "!"), ("atom", "d"), ("end", "")]

"""groovy_string: table of exact outputs, and arbitrary text evaluated back by real Groovy."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobsmith.generator.groovy import CHUNK, groovy_list, groovy_string
from tests.support.groovy import evaluate_literals

ADVERSARIAL = [
    "",
    "plain",
    "it's",
    "'''",
    '"""',
    "$HOME ${HOME} ${'\\''} $(id)",
    "back\\slash\\",
    "\\u0027 closes a literal in Groovy 2.4 if unescaped",
    "\\\\u0027",
    "line1\nline2\r\nline3\ttab",
    "nul\x00byte\x01\x1f\x7f",
    "emoji 😀 and é and € and 中文",
    "rtl \u202e mark \u200f and bom \ufeff",
    "\u2028line separator\u2029",
    "*/ /* // comment",
    "') ; System.exit(1) ; ('",
    "x" * (CHUNK + 5),
    "€" * (CHUNK * 3),
    "😀" * (CHUNK + 1),
]


@pytest.mark.parametrize(
    ("text", "literal"),
    [
        ("plain", "'plain'"),
        ("it's", "'it\\'s'"),
        ("a\\b", "'a\\\\b'"),
        ("a\nb", "'a\\nb'"),
        ("${x}", "'${x}'"),
        ("é", "'\\u00e9'"),
        ("😀", "'\\ud83d\\ude00'"),
        ("\x00", "'\\u0000'"),
        ("\\u0027", "'\\\\u0027'"),
    ],
)
def test_literal_table(text: str, literal: str) -> None:
    assert groovy_string(text) == literal


def test_output_is_ascii_on_one_line() -> None:
    for text in ADVERSARIAL:
        literal = groovy_string(text)
        assert literal.isascii()
        assert "\n" not in literal and "\r" not in literal


def test_long_text_is_split_into_chunks() -> None:
    literal = groovy_string("€" * (CHUNK * 3))
    assert literal.startswith("(") and literal.count(" + ") == 2


def test_rejects_non_text() -> None:
    with pytest.raises(TypeError):
        groovy_string(3)  # type: ignore[arg-type]


def test_adversarial_text_evaluates_back_in_groovy() -> None:
    expressions: list[str] = [groovy_string(text) for text in ADVERSARIAL]
    expressions.append(groovy_list(["a'b", "c\\d"]) + ".join('|')")
    values = evaluate_literals(expressions)
    assert values[:-1] == ADVERSARIAL
    assert values[-1] == "a'b|c\\d"


TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=60)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TEXT, min_size=150, max_size=150))
def test_arbitrary_text_evaluates_back_in_groovy(texts: list[str]) -> None:
    assert evaluate_literals([groovy_string(text) for text in texts]) == texts

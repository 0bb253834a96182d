"""Whether an agent's labels satisfy a Jenkins label expression.

Jenkins parses `agent { label(...) }` into a `hudson.model.labels.LabelExpression`
tree and asks `Label.matches(Collection<LabelAtom>)` of every node's assigned labels
(`Node.getAssignedLabels`): atoms are membership tests, and `!`, `&&`, `||`, `->`,
`<->` are the boolean operators of `LabelExpression.Not/And/Or/Implies/Iff`. The
grammar (and its precedence) is the one `jobsmith.spec.labels` checks.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from jobsmith.spec.labels import LabelError, Token, tokenize

Predicate = Callable[[frozenset[str]], bool]
_ESCAPED = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r"}


def _unquote(text: str) -> str:
    out, i = [], 1
    while i < len(text) - 1:
        if text[i] == "\\":
            out.append(_ESCAPED.get(text[i + 1], text[i + 1]))
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


class _Compiler:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens, self.at = tokens, 0

    def take(self, kind: str) -> bool:
        if self.tokens[self.at].kind == kind:
            self.at += 1
            return True
        return False

    def iff(self) -> Predicate:
        left = self.implies()
        while self.take("<->"):
            left = _iff(left, self.implies())
        return left

    def implies(self) -> Predicate:
        left = self.either()
        if self.take("->"):
            right, before = self.either(), left
            return lambda labels: not before(labels) or right(labels)
        return left

    def either(self) -> Predicate:
        parts = [self.both()]
        while self.take("||"):
            parts.append(self.both())
        return parts[0] if len(parts) == 1 else lambda labels: any(p(labels) for p in parts)

    def both(self) -> Predicate:
        parts = [self.negation()]
        while self.take("&&"):
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else lambda labels: all(p(labels) for p in parts)

    def negation(self) -> Predicate:
        if self.take("!"):
            inner = self.primary()
            return lambda labels: not inner(labels)
        return self.primary()

    def primary(self) -> Predicate:
        token = self.tokens[self.at]
        self.at += 1
        if token.kind == "(":
            inner = self.iff()
            self.take(")")
            return inner
        atom = _unquote(token.text) if token.kind == "string" else token.text
        return lambda labels: atom in labels


def _iff(left: Predicate, right: Predicate) -> Predicate:
    return lambda labels: left(labels) == right(labels)


@functools.lru_cache(maxsize=4096)
def compile_expression(expression: str) -> Predicate:
    """A predicate over a set of labels; the expression must be valid (specs are checked).

    `Jenkins.getLabel` strips one pair of quotes around a whole expression first.
    """
    text = expression.strip()
    if len(text) > 1 and text[0] == '"' and text[-1] == '"':
        text = text[1:-1]
        try:
            return _Compiler(tokenize(text)).iff()
        except LabelError:  # what is left is no expression: one label with spaces
            return lambda labels: text in labels
    return _Compiler(tokenize(text)).iff()


def matches(expression: str | None, labels: frozenset[str]) -> bool:
    """`agent any` (None) runs on any agent; otherwise the expression decides."""
    return expression is None or compile_expression(expression)(labels)

"""Jenkins label expressions (`db && linux`, `!windows`, `"my label" || (a -> b)`).

A small recursive-descent parser of the grammar of Jenkins' `LabelExpressionLexer` and
`LabelExpressionParser` (hudson.model.labels), so that a spec error points at the
character Jenkins would reject, before the seed job runs:

    expr  := term1 EOF
    term1 := term2 ('<->' term2)*
    term2 := term3 ('->' term3)?          implication does not chain
    term3 := term4 ('||' term4)*
    term4 := term5 ('&&' term5)*
    term5 := term6 | '!' term6            `!!a` is not valid
    term6 := '(' term1 ')' | ATOM | STRING

An ATOM is a run of characters other than `& | ! < > ( ) " '`, space and tab, where a
`-` may not be followed by `>`; a STRING is double-quoted with the escapes
`\\b \\t \\n \\f \\r \\" \\' \\\\`. Spaces and tabs between tokens are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass

OPERATORS = ("<->", "->", "&&", "||", "!", "(", ")")
_NOT_IN_ATOM = set("&|!<>()\"' \t")
_ESCAPES = set("btnfr\"'\\")


class LabelError(ValueError):
    """An invalid label expression; `column` is 1-based within the expression."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.column = column


@dataclass(frozen=True)
class Token:
    kind: str  # an operator, "atom", "string" or "end"
    text: str
    column: int


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char in " \t":
            i += 1
            continue
        operator = next((op for op in OPERATORS if text.startswith(op, i)), None)
        if operator is not None:
            tokens.append(Token(operator, operator, i + 1))
            i += len(operator)
        elif char == '"':
            end = _string_end(text, i)
            tokens.append(Token("string", text[i:end], i + 1))
            i = end
        elif char in _NOT_IN_ATOM or (char == "-" and text.startswith("->", i)):
            raise LabelError(f"unexpected {char!r}", i + 1)
        else:
            start = i
            while i < len(text) and text[i] not in _NOT_IN_ATOM and not text.startswith("->", i):
                i += 1
            tokens.append(Token("atom", text[start:i], start + 1))
    tokens.append(Token("end", "", len(text) + 1))
    return tokens


def _string_end(text: str, start: int) -> int:
    i = start + 1
    while i < len(text):
        char = text[i]
        if char == '"':
            return i + 1
        if char in "\r\n":
            break
        if char == "\\":
            if i + 1 >= len(text) or text[i + 1] not in _ESCAPES:
                raise LabelError("invalid escape in a quoted label; use \\\" or \\\\", i + 1)
            i += 2
            continue
        i += 1
    raise LabelError("unterminated quoted label: a closing \" is missing", start + 1)


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.at = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.at]

    def take(self, kind: str) -> bool:
        if self.current.kind == kind:
            self.at += 1
            return True
        return False

    def expression(self) -> None:
        self.term1()
        if self.current.kind != "end":
            raise self.unexpected("an operator (&&, ||, ->, <->) or the end")

    def term1(self) -> None:
        self.term2()
        while self.take("<->"):
            self.term2()

    def term2(self) -> None:
        self.term3()
        if self.take("->"):
            self.term3()
            if self.current.kind == "->":
                raise LabelError("`->` does not chain: add parentheses, as in (a -> b) -> c",
                                 self.current.column)

    def term3(self) -> None:
        self.term4()
        while self.take("||"):
            self.term4()

    def term4(self) -> None:
        self.term5()
        while self.take("&&"):
            self.term5()

    def term5(self) -> None:
        if self.take("!") and self.current.kind == "!":
            raise LabelError("`!` cannot follow `!`: write !(!a) or drop both",
                             self.current.column)
        self.term6()

    def term6(self) -> None:
        if self.take("("):
            self.term1()
            if not self.take(")"):
                raise self.unexpected("`)`")
            return
        if self.take("atom") or self.take("string"):
            return
        raise self.unexpected("a label")

    def unexpected(self, wanted: str) -> LabelError:
        token = self.current
        found = "the end" if token.kind == "end" else repr(token.text)
        return LabelError(f"expected {wanted}, found {found}", token.column)


def check_label_expression(text: str) -> None:
    """Raise LabelError unless Jenkins can parse `text` as a label expression."""
    if not text.strip():
        raise LabelError("a label expression cannot be empty", 1)
    _Parser(tokenize(text)).expression()


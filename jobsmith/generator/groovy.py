"""The one way a spec value becomes Groovy: `groovy_string`.

Every value from a spec reaches generated Groovy only as a single-quoted string literal
built here, so no spec content can change the Groovy's structure:
- `'` and `\\` get their named escapes, and so do line breaks and tabs;
- Groovy 2.4 expands `\\uXXXX` before it parses, so every other character outside
  printable ASCII is written as `\\uXXXX` (UTF-16 units); the escapes it produces are
  never `'`, `\\` or a line break, and the file stays ASCII whatever the Jenkins JVM's
  default encoding;
- a literal must fit 65,535 bytes of modified UTF-8 in the class file, so long text is
  split into chunks joined with `+`.
`$` needs nothing: single-quoted Groovy strings do not interpolate.
"""

from __future__ import annotations

# 10,000 code points are at most 20,000 UTF-16 units, at most 60,000 bytes in the class
# file (3 bytes a unit).
CHUNK = 10_000

_NAMED = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b",
          "\f": "\\f"}


class GroovyCode(str):
    """Text that is already valid Groovy (a literal or code built from literals)."""

    __slots__ = ()


def _escape_char(char: str) -> str:
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    if 0x20 <= code < 0x7F:
        return char
    if code > 0xFFFF:
        high, low = divmod(code - 0x10000, 0x400)
        return f"\\u{0xD800 + high:04x}\\u{0xDC00 + low:04x}"
    return f"\\u{code:04x}"


_TABLE = {code: _escape_char(chr(code)) for code in range(0x80)}


def _escape(text: str) -> str:
    if text.isascii():
        return text.translate(_TABLE)
    return "".join(_escape_char(char) for char in text)


def groovy_string(text: str) -> GroovyCode:
    """A Groovy expression whose value is exactly `text`."""
    if not isinstance(text, str):
        raise TypeError(f"groovy_string takes text, not {type(text).__name__}")
    if len(text) <= CHUNK:
        return GroovyCode(f"'{_escape(text)}'")
    chunks = [f"'{_escape(text[i:i + CHUNK])}'" for i in range(0, len(text), CHUNK)]
    return GroovyCode("(" + " + ".join(chunks) + ")")


def groovy_list(items: list[str] | tuple[str, ...]) -> GroovyCode:
    """A Groovy list literal of strings."""
    return GroovyCode("[" + ", ".join(groovy_string(item) for item in items) + "]")

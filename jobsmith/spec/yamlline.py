"""The fastest path of reading a spec: ordinary block-style YAML, read line by line.

`read(text)` gives the data libyaml and `yamlfast.build` would make of `text`, and where
each top-level value written on its key's line starts, or None: then the caller
composes the text as before (and so for every position beyond those). It takes only
what it can read without doubt, a small part of YAML, and declines everything else
(tests/spec/test_yamlline.py compares it with the composed path on hostile documents):

- a top-level block mapping; nested block mappings and sequences (`- ` items, a mapping
  in an item, a sequence at its key's indentation); each line indented by spaces exactly
  as its block says; blank lines and comment lines anywhere;
- keys: plain, `[A-Za-z0-9_][A-Za-z0-9_./-]*`, at most MAX_KEY characters, that the
  loader's resolver reads as text (`on:`, `1:`, `null:`, `<<:` are not), each once in
  its mapping;
- values on their key's or item's line: a plain scalar (not starting with one of YAML's
  indicators, no `: ` in it, no `:` at its end; a ` #` starts a comment), resolved by
  the loader's own resolver and made by SafeConstructor's own functions (text, int,
  float, bool, null); a quoted scalar without escapes (`"..."` without `\\`, `'...'`
  without `''`); a flow mapping or sequence of plain scalars (no quotes, brackets, `#`,
  or `:` but each pair's `: `); or nothing after the `:` (null, or the block below).

Declined: tabs, `\\r` and every other line break YAML knows, characters libyaml might
refuse or read otherwise (controls, U+FEFF, anything past U+FFFD), anchors, aliases,
tags, block scalars (`|`, `>`), scalars over several lines, document markers and
directives, merge keys, complex keys, nesting deeper than MAX_DEPTH, and texts over
MAX_TEXT characters (so that no document here comes near `yamlsource.MAX_NODES`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from yaml.nodes import ScalarNode

STR = "tag:yaml.org,2002:str"
MAX_DEPTH = 20
MAX_KEY = 128
KEYS_KEPT = 4096
FLOWS_KEPT = 1024
MAX_TEXT = 65536  # at most ~33,000 values: far below yamlsource.MAX_NODES
# What this reader never reads: anything but a line feed, printable ASCII and the
# Basic Multilingual Plane's printable characters, less U+2028/U+2029 (YAML 1.1 line
# breaks) and U+FEFF; so also tabs, `\r`, `\x85`. Written as the characters refused (a
# negated class over the allowed ranges takes milliseconds to compile), and compiled
# when a text that is not ASCII first comes.
_REFUSED = ("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff"
            "\ufffe-\U0010ffff]")
_ASCII_REFUSED = re.compile("[^\n -~]")  # the same, for an ASCII text
# A line that is not blank and not a comment, without the spaces at its end: its
# indentation and either a key and what follows its `: ` (maybe nothing), or else
# its whole content.
_LINE = re.compile(r"^( *)(?:([A-Za-z0-9_][A-Za-z0-9_./-]*):(?: +([^\n]*[^ \n]))?"
                   r"|([^ \n#](?:[^\n]*[^ \n])?)) *$", re.M)
_KEY = re.compile(r"([A-Za-z0-9_][A-Za-z0-9_./-]*):(?: +(.*))?$")
# A plain scalar starts with none of these (`-`, `?` and `:` could, followed by a
# non-space: not here).
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
_DOUBLE = re.compile(r'"([^"\\]*)"(?: +#.*)?$')
_SINGLE = re.compile(r"'([^']*)'(?: +#.*)?$")
_FLOW_REFUSED = re.compile(r"[\[\]{}#'\"]")

Resolve = Callable[[str], str]  # a plain scalar's text -> its tag
Construct = Callable[[str, str], Any]  # tag, text -> the value (raises: decline)
Line = tuple[str, str, str, str]  # indentation, key, what follows it, other content


class _Declined(Exception):
    pass


class Reader:
    """`read` for one loader class's resolver and constructors."""

    def __init__(self, resolve: Resolve, construct: Construct, starts: str) -> None:
        """`starts`: the first characters of every text the resolver may read as other
        than text (every other plain scalar is text)."""
        self.resolve = resolve
        self.construct = construct
        self.starts = frozenset(starts)
        self.keys: set[str] = set()  # keys found to be good (they repeat across a tree)
        # The value of each flow mapping or sequence read so far, up to FLOWS_KEPT of
        # them (`{builds: 30}` repeats); each read gets its own copy.
        self.flows: dict[str, dict[str, Any] | list[Any]] = {}

    def read(self, text: str) -> tuple[dict[str, Any], set[str]] | None:
        """`text`'s data and the top-level keys whose values start on the key's line
        (`value_offset`); None: not for this reader."""
        if len(text) > MAX_TEXT or refused(text):
            return None
        lines: list[Line] = _LINE.findall(text)
        if not lines:
            return None
        inline: set[str] = set()
        try:
            # It reads every line or declines: at indentation 0, only a key continues it.
            data, _ = self._mapping(lines, 0, 0, 0, inline)
        except _Declined:
            return None
        return data, inline

    def _key(self, key: str) -> None:
        """Decline a key the resolver does not read as text, or a very long one."""
        if len(key) > MAX_KEY or self.resolve(key) != STR:
            raise _Declined
        if len(self.keys) < KEYS_KEPT:
            self.keys.add(key)

    def _mapping(self, lines: list[Line], i: int, indent: int, depth: int,
                 inline: set[str] | None) -> tuple[dict[str, Any], int]:
        """The block mapping whose first key is on lines[i], at `indent`. A line more
        indented than the block it is in (more of a scalar, or an error) declines."""
        if depth > MAX_DEPTH:
            raise _Declined
        count = len(lines)
        good = self.keys
        starts = self.starts
        result: dict[str, Any] = {}
        while i < count:
            spaces, key, rest, other = lines[i]
            at = len(spaces)
            if at != indent:
                if at < indent:
                    break
                raise _Declined
            if not key:
                if indent == 0 or not other.startswith("-"):
                    raise _Declined
                break  # a sequence item: the end of the mapping in its item before
            if key not in good:
                self._key(key)
            if key in result:
                raise _Declined
            i += 1
            if not rest or rest[0] == "#":
                value, i = self._block(lines, i, indent, depth)
            else:
                first = rest[0]
                if first in _INDICATORS:
                    value = self._inline(rest)
                else:  # plain, inline
                    comment = rest.find(" #")
                    if comment >= 0:
                        rest = rest[:comment].rstrip(" ")
                    if ": " in rest or rest[-1] == ":":
                        raise _Declined
                    value = rest if first not in starts else self._scalar(rest)
                if inline is not None:
                    inline.add(key)
            result[key] = value
        return result, i

    def _block(self, lines: list[Line], i: int, indent: int, depth: int) -> tuple[Any, int]:
        """The value of a key at `indent` with nothing after its `:`: a block below it,
        a sequence at its indentation, or null."""
        if i < len(lines):
            spaces, key, _, other = lines[i]
            at = len(spaces)
            item = not key and (other == "-" or other.startswith("- "))
            if at > indent:
                if item:
                    return self._sequence(lines, i, at, depth + 1)
                return self._mapping(lines, i, at, depth + 1, None)
            if at == indent and item:
                return self._sequence(lines, i, at, depth + 1)
        return self._scalar(""), i

    def _sequence(self, lines: list[Line], i: int, indent: int, depth: int
                  ) -> tuple[list[Any], int]:
        """The block sequence whose first `- ` is on lines[i], at `indent`."""
        if depth > MAX_DEPTH:
            raise _Declined
        count = len(lines)
        result: list[Any] = []
        while i < count:
            spaces, key, _, content = lines[i]
            at = len(spaces)
            if at != indent:
                if at < indent:
                    break
                raise _Declined
            if key:
                break  # the next key of the mapping this sequence is the value of
            if not content.startswith("- "):
                raise _Declined  # `-` alone (a block in the item, or null), or an error
            item = content[2:].lstrip(" ")  # not a comment: `_inline` declines that
            match = _KEY.match(item)
            if match is not None:  # a mapping in the item, its keys at the first one's column
                column = at + len(content) - len(item)
                lines[i] = (" " * column, match[1], match[2] or "", "")
                value, i = self._mapping(lines, i, column, depth + 1, None)
            else:
                value = self._inline(item)
                i += 1
            result.append(value)
        return result, i

    def _inline(self, text: str) -> Any:
        """A value that starts and ends on its key's or item's line."""
        first = text[0]
        if first == "{" or first == "[":
            return self._flow(text)
        if first == '"' or first == "'":
            match = (_DOUBLE if first == '"' else _SINGLE).match(text)
            if match is None:
                raise _Declined
            return match.group(1)
        if first in _INDICATORS:
            raise _Declined
        comment = text.find(" #")
        if comment >= 0:
            text = text[:comment].rstrip(" ")
        if ": " in text or text[-1] == ":":
            raise _Declined
        return self._scalar(text)

    def _flow(self, text: str) -> dict[str, Any] | list[Any]:
        known = self.flows.get(text)
        if known is None:
            if text[0] == "{":
                known = self._flow_mapping(text)
            else:
                known = [self._flow_scalar(item) for item in self._flow_items(text, "]")]
            if len(self.flows) < FLOWS_KEPT:
                self.flows[text] = known
        # Its items are scalars: a shallow copy shares nothing that can change.
        return dict(known) if isinstance(known, dict) else list(known)

    def _scalar(self, text: str) -> Any:
        tag = self.resolve(text)
        if tag == STR:
            return text
        try:
            return self.construct(tag, text)
        except Exception:  # the composed path meets it again, and decides
            raise _Declined from None

    @staticmethod
    def _flow_items(text: str, close: str) -> list[str]:
        if text[-1] != close:
            raise _Declined
        inner = text[1:-1]
        if not inner.strip(" "):
            return []
        if _FLOW_REFUSED.search(inner):
            raise _Declined
        return inner.split(",")

    def _flow_scalar(self, text: str) -> Any:
        text = text.strip(" ")
        if not text or text[0] in _INDICATORS or ":" in text:
            raise _Declined
        return text if text[0] not in self.starts else self._scalar(text)

    def _flow_mapping(self, text: str) -> dict[str, Any]:
        result: dict[str, Any] = {}
        good = self.keys
        for pair in self._flow_items(text, "}"):
            key, colon, value = pair.partition(":")
            if not colon or value[:1] != " ":
                raise _Declined
            key = key.strip(" ")
            if key not in good:
                if not key or key[0] in _INDICATORS:
                    raise _Declined
                self._key(key)
            if key in result:
                raise _Declined
            result[key] = self._flow_scalar(value)
        return result


def refused(text: str) -> bool:
    """Whether `text` holds a character this reader never reads (`_REFUSED`)."""
    if text.isascii():
        return _ASCII_REFUSED.search(text) is not None
    return _refused_anywhere().search(text) is not None


@functools.cache
def _refused_anywhere() -> re.Pattern[str]:
    return re.compile(_REFUSED)


def value_offset(text: str, key: str) -> int:
    """Where the value of top-level `key` starts in `text`, when `Reader.read` found it
    on the key's line: the one line starting with `key:` (every other line that starts
    at column 0 starts with `- `, `#` or another key)."""
    line = 0 if text.startswith(key + ":") else text.index("\n" + key + ":") + 1
    offset = line + len(key) + 1
    while text[offset] == " ":
        offset += 1
    return offset


def line_column(text: str, offset: int) -> tuple[int, int]:
    """The line and column (from 1) of `offset` in `text`, as libyaml counts them for
    the texts `Reader` reads (line feeds only; ASCII before each top-level value)."""
    start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, start) + 1, offset - start + 1


def constructor_of(constructors: dict[Any, Any], loader: Any) -> Construct:
    """SafeConstructor's value of a plain scalar of `tag` (`constructors`, the loader
    class's own functions, called on `loader`), remembered for the few texts a tree
    repeats (`30`, `true`, `3`)."""
    made: dict[tuple[str, str], Any] = {}

    def construct(tag: str, text: str) -> Any:
        key = (tag, text)
        if key in made:
            return made[key]
        value = constructors[tag](loader, ScalarNode(tag, text))
        if len(made) < 1024:
            made[key] = value
        return value

    return construct

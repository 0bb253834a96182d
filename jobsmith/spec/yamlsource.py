"""Read one YAML spec file into plain data that remembers where each value came from.

Safety limits apply before YAML sees the text: at most 1 MiB, UTF-8 only, no NUL bytes,
one document whose top level is a mapping with string keys, no duplicate keys, and a
bounded number of nodes (so an alias bomb costs nothing).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from jobsmith.errors import Location, Problem
from jobsmith.spec import yamlfast, yamlline

MAX_BYTES = 1024 * 1024
MAX_NODES = 200_000

Path_ = tuple[str | int, ...]


class SourceError(Exception):
    """A file-level problem; carries the Problem to report."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


@dataclass
class Located:
    """A document's data plus the location of every value and every mapping key."""

    data: dict[str, Any]
    values: dict[Path_, Location] = field(default_factory=dict)
    keys: dict[Path_, Location] = field(default_factory=dict)
    # Block scalars (`|`, `>`): their content starts on the line after the indicator.
    block_scalars: set[Path_] = field(default_factory=set)
    # Quoted scalars (`"..."`, `'...'`): their text starts one column after the value.
    quoted: set[Path_] = field(default_factory=set)

    def value_at(self, path: Path_) -> Location | None:
        """`values.get(path)`."""
        return self.values.get(path)


class _NodeLocated(Located):
    """A document read on the fast path: its positions are read from its nodes when
    first asked for (a valid spec needs a few, through `value_at`)."""

    def __init__(self, data: dict[str, Any], root: yaml.Node, display: str) -> None:
        self.data = data
        self._root = root
        self._display = display

    def __getattr__(self, name: str) -> Any:
        if name not in _POSITIONS:
            raise AttributeError(name)
        (self.values, self.keys, self.block_scalars,
         self.quoted) = yamlfast.positions(self._root, self._display)
        return self.__dict__[name]

    def value_at(self, path: Path_) -> Location | None:
        if "values" in self.__dict__:
            return self.values.get(path)
        return yamlfast.position(self._root, self.data, path, self._display)


_POSITIONS = ("values", "keys", "block_scalars", "quoted")


class _TextLocated(_NodeLocated):
    """A document `yamlline` read: its nodes are composed from its text only when a
    position other than a top-level value's is first asked for."""

    def __init__(self, data: dict[str, Any], top: set[str], text: str,
                 display: str) -> None:
        self.data = data
        self._top = top
        self._text = text
        self._display = display

    def __getattr__(self, name: str) -> Any:
        if name == "_root":
            loader = _Loader(self._text)
            try:
                self._root = loader.get_single_node()
            finally:
                loader.dispose()
            return self._root
        return super().__getattr__(name)

    def value_at(self, path: Path_) -> Location | None:
        if "values" not in self.__dict__:
            if len(path) == 1 and path[0] in self._top:
                offset = yamlline.value_offset(self._text, str(path[0]))
                return Location(self._display, *yamlline.line_column(self._text, offset))
            data: Any = self.data
            for part in path:  # a value that is not there has no position (`position`)
                if isinstance(part, str):
                    if not isinstance(data, dict) or part not in data:
                        return None
                elif not isinstance(data, list) or not 0 <= part < len(data):
                    return None
                data = data[part]
        return super().value_at(path)


class _PyLoader(yaml.SafeLoader):
    """SafeLoader without timestamps: `2026-01-01` stays the string the user wrote."""


_PyLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

_line_read: Any = None  # `yamlline`'s reader, where libyaml composes what it declines
# libyaml's parser is ten times faster; the pure-Python one explains syntax errors better,
# so a document libyaml rejects is parsed again by it for the message.
_Loader: Any = _PyLoader
if hasattr(yaml, "CSafeLoader"):

    class _CLoader(yamlfast.FastResolver, yaml.CSafeLoader):
        yaml_implicit_resolvers = _PyLoader.yaml_implicit_resolvers

    _CLoader.prepare()
    _Loader = _CLoader
    if not _CLoader._wildcard:  # the reader's `starts` hold only without wildcard resolvers
        _line_read = yamlline.Reader(
            _CLoader.plain_tag,
            yamlline.constructor_of(_CLoader.yaml_constructors,
                                    yaml.constructor.SafeConstructor()),
            "".join(first for first, found in _CLoader._by_first.items() if found)).read


def read_spec_file(path: str | os.PathLike[str], display: str) -> Located:
    """Load `path`; every problem is raised as SourceError located in `display`."""

    def whole_file(message: str) -> SourceError:
        return SourceError(Problem(Location(display, 1, 1), message))

    try:
        raw = _read(path, whole_file)
    except OSError as error:
        raise whole_file(f"cannot read file: {error.strerror or error}") from None
    if len(raw) > MAX_BYTES:
        raise whole_file("file is over 1 MiB; a spec file may be at most 1 MiB")
    if b"\0" in raw:
        raise whole_file("file is binary (it holds NUL bytes); a spec must be UTF-8 text")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        col = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        message = f"file is not UTF-8 text (byte 0x{raw[error.start]:02x}); save it as UTF-8"
        raise SourceError(Problem(Location(display, line, col), message)) from None
    text = text.removeprefix("\ufeff")
    return parse_text(text, display)


def _read(path: str | os.PathLike[str], whole_file: Any) -> bytes:
    """The file's bytes, refused unread when over MAX_BYTES: open, fstat, read, close
    (`Path.read_bytes` adds an ioctl, a seek and a second read: a tree is thousands of
    files)."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        size = os.fstat(fd).st_size
        if size > MAX_BYTES:
            raise whole_file(f"file is {size:,} bytes; a spec file may be at most 1 MiB")
        data = os.read(fd, size + 1)  # a regular file's read stops short only at its end
        while size < len(data) <= MAX_BYTES:  # it grew since fstat: on to its end or the limit
            more = os.read(fd, MAX_BYTES + 1 - len(data))
            if not more:
                break
            data += more
        return data
    finally:
        os.close(fd)


def parse_text(text: str, display: str, loader_class: Any = None) -> Located:
    if loader_class is None and _line_read is not None:
        read = _line_read(text)
        if read is not None:
            return _TextLocated(read[0], read[1], text, display)
    loader = (loader_class or _Loader)(text)
    try:
        try:
            node = loader.get_single_node()
        except (yaml.YAMLError, RecursionError):
            if loader_class is None and _Loader is not _PyLoader:
                return parse_text(text, display, _PyLoader)
            raise
        if node is None:
            raise SourceError(Problem(
                Location(display), "file is empty; a spec is a mapping such as `command: ./run.sh`"
            ))
        try:
            return _NodeLocated(yamlfast.build(node, loader, MAX_NODES), node, display)
        except yamlfast.Unusual:
            builder = _Builder(loader, display)
            data = builder.build(node, ())
    except yaml.MarkedYAMLError as error:
        raise _yaml_problem(error, display) from None
    except yaml.YAMLError as error:
        raise SourceError(Problem(Location(display), f"invalid YAML: {error}")) from None
    except RecursionError:
        raise SourceError(
            Problem(Location(display), "YAML nested too deeply to be a job spec")
        ) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise SourceError(Problem(
            builder.located.values[()],
            f"a spec must be a mapping of keys (such as `command:`), found {_kind(data)}",
        ))
    builder.located.data = data
    return builder.located


def _yaml_problem(error: yaml.MarkedYAMLError, display: str) -> SourceError:
    mark = error.problem_mark or error.context_mark
    what = " ".join(filter(None, [error.context, error.problem]))
    what = re.sub(r"\s+", " ", what).strip()
    problem = error.problem or ""
    if "'\\t'" in problem or "\t" in problem:
        message = "a tab: YAML indents with spaces, never tabs"
    elif "quoted scalar" in (error.context or "") and "end of stream" in problem:
        # Reported where the quote opened: the end of the file says nothing useful.
        mark = error.context_mark or mark
        message = "this quote is never closed; end the value with the same quote"
    else:
        message = f"invalid YAML: {what}"
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    return SourceError(Problem(Location(display, line, col), message))


_PLAIN_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")
_STR = "tag:yaml.org,2002:str"


class _Builder:
    def __init__(self, loader: _Loader, display: str) -> None:
        self.loader = loader
        self.display = display
        self.nodes = 0
        self.located = Located(data={})

    def here(self, mark: yaml.Mark) -> Location:
        return Location(self.display, mark.line + 1, mark.column + 1)

    def fail(self, mark: yaml.Mark, message: str) -> SourceError:
        return SourceError(Problem(self.here(mark), message))

    def build(self, node: yaml.Node, path: Path_) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self.fail(node.start_mark, f"document has over {MAX_NODES:,} values "
                            "(aliases counted each time they are used); too large for a spec")
        mark = node.start_mark
        if path not in self.located.values:
            self.located.values[path] = Location(self.display, mark.line + 1, mark.column + 1)
        if node.tag == _STR and isinstance(node, yaml.ScalarNode):
            if node.style in ("|", ">"):
                self.located.block_scalars.add(path)
            elif node.style in ('"', "'"):
                self.located.quoted.add(path)
            return node.value
        if not isinstance(node, yaml.ScalarNode) and node.tag not in _PLAIN_TAGS:
            raise self.fail(node.start_mark, f"YAML tag {node.tag!r} is not allowed in a spec; "
                            "write plain values")
        if isinstance(node, yaml.MappingNode):
            return self.build_mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        if isinstance(node, yaml.ScalarNode) and node.style in ("|", ">"):
            self.located.block_scalars.add(path)
        return self.construct(node)

    def construct(self, node: yaml.Node) -> Any:
        """SafeConstructor's value of a scalar. An explicit tag whose text its constructor
        cannot read (`!!int x`, `!!bool maybe`, `!!float 1e`) makes it raise a plain
        ValueError or KeyError: a problem at the value, not a traceback."""
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as error:
            raise _yaml_problem(error, self.display) from None
        except (ValueError, KeyError, TypeError, OverflowError):
            name = node.tag.rpartition(":")[2]
            raise self.fail(node.start_mark, f"{node.value!r} is not a valid {name} "
                            f"(YAML tag {node.tag!r}); write the value without the tag"
                            ) from None

    def build_mapping(self, node: yaml.MappingNode, path: Path_) -> dict[str, Any]:
        try:
            self.loader.flatten_mapping(node)
        except yaml.constructor.ConstructorError as error:
            raise _yaml_problem(error, self.display) from None
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                found = "a list" if isinstance(key_node, yaml.SequenceNode) else "a mapping"
                raise self.fail(key_node.start_mark, f"a key must be plain text, found {found}")
            # A plain text key is its node's value (what SafeConstructor's str makes of it).
            key = key_node.value if key_node.tag == _STR else self.construct(key_node)
            if not isinstance(key, str):
                hint = ""
                if isinstance(key, bool) or key is None:
                    hint = " (YAML reads yes/no/on/off/true/false/null as such values; quote it)"
                raise self.fail(key_node.start_mark,
                                f"a key must be text, found {_kind(key)} {key!r}{hint}")
            if key in result:
                first = self.located.keys[(*path, key)]
                raise self.fail(key_node.start_mark,
                                f"duplicate key {key!r} (first at line {first.line}); "
                                "each key may appear once")
            self.located.keys[(*path, key)] = self.here(key_node.start_mark)
            result[key] = self.build(value_node, (*path, key))
        return result


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "nothing (null)"
    if isinstance(value, int):
        return "a number"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


kind_of = _kind

"""The fast path of reading a spec's YAML: a resolver and a builder for ordinary specs.

Both give exactly what PyYAML's own resolver and `yamlsource._Builder` give; each leaves
anything out of the ordinary to them (tests/spec/test_yamlfast.py compares both on
hostile YAML):

- `FastResolver.resolve` picks the implicit resolvers by the scalar's first character
  from a table made once (PyYAML concatenates two lists and looks up two keys per
  scalar); a plain scalar whose first character starts no resolver is text at once.
- `build` turns a composed node tree into the spec's data with one Python call per list,
  mapping or value other than text in a mapping, and no positions: `positions` reads them from the
  same nodes when they are first asked for, and `position` finds one of them alone
  (what a valid spec needs: its `after` entries and the values warnings point at).
  `build` raises `Unusual`, and the caller then runs `_Builder` on the same nodes
  (nothing here changes a node), for anything that needs a message or more thought: a
  key that is not plain text, a duplicate key, a merge key (`<<`), a tag other than
  text, number, boolean or null, a top level that is not a mapping, nesting deeper than
  `MAX_DEPTH` (so that `_Builder`'s own recursion limit decides), and more than
  `max_nodes` values.
"""

from __future__ import annotations

from typing import Any, ClassVar

from yaml.nodes import MappingNode, ScalarNode, SequenceNode
from yaml.resolver import BaseResolver

from jobsmith.errors import Location

STR = "tag:yaml.org,2002:str"
SEQ = "tag:yaml.org,2002:seq"
MAP = "tag:yaml.org,2002:map"
# Tags whose SafeConstructor function makes a plain value from the scalar's text alone.
_SCALAR_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("null", "bool", "int", "float")
)
# Far below the depth at which `_Builder` (two frames a level) meets Python's recursion
# limit; a spec is a few levels deep.
MAX_DEPTH = 100

TAGS_KEPT = 4096

Positions = dict[tuple[str | int, ...], Location]


class Unusual(Exception):
    """The document needs `yamlsource._Builder`."""


class FastResolver(BaseResolver):
    """PyYAML's `resolve` and its path-resolver hooks, for a loader class whose
    resolvers never change once `prepare` has indexed them."""

    _by_first: ClassVar[dict[str, tuple[tuple[str, Any], ...]]] = {}
    _wildcard: ClassVar[tuple[tuple[str, Any], ...]] = ()
    # The tag of each plain scalar resolved so far whose first character starts a
    # resolver (`name`, `30`, `true`), up to TAGS_KEPT of them: the keys and many values
    # of a tree repeat.
    _tags: ClassVar[dict[str, str]] = {}

    @classmethod
    def prepare(cls) -> None:
        """Index the implicit resolvers by first character, each list followed by the
        wildcard resolvers, in PyYAML's order."""
        if cls.yaml_path_resolvers:
            raise TypeError("FastResolver does not apply path resolvers")
        resolvers = cls.yaml_implicit_resolvers
        cls._wildcard = tuple(resolvers.get(None, ()))
        cls._by_first = {first: (*found, *cls._wildcard)
                         for first, found in resolvers.items() if first is not None}
        cls._tags = {}

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is ScalarNode:
            if implicit[0]:
                resolvers = self._by_first.get(value[:1], self._wildcard)
                if resolvers:
                    tags = self._tags
                    tag = tags.get(value)
                    if tag is None:
                        tag = next((tag for tag, regexp in resolvers if regexp.match(value)),
                                   STR)
                        if len(tags) < TAGS_KEPT:
                            tags[value] = tag
                    return tag
            return STR
        return SEQ if kind is SequenceNode else MAP

    @classmethod
    def plain_tag(cls, value: str) -> str:
        """`resolve(ScalarNode, value, (True, False))`: the tag of a plain scalar."""
        resolvers = cls._by_first.get(value[:1], cls._wildcard)
        if not resolvers:
            return STR
        tags = cls._tags
        tag = tags.get(value)
        if tag is None:
            tag = next((tag for tag, regexp in resolvers if regexp.match(value)), STR)
            if len(tags) < TAGS_KEPT:
                tags[value] = tag
        return tag

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None


def build(root: Any, loader: Any, max_nodes: int) -> dict[str, Any]:
    """The data of the document `root` (positions come later, from `positions`)."""
    if root.__class__ is not MappingNode:
        raise Unusual
    constructors = loader.yaml_constructors
    count = 1  # values seen so far: the top level, and every item of every list and mapping

    def value_of(node: Any, depth: int) -> Any:
        nonlocal count
        kind = node.__class__
        tag = node.tag
        if kind is ScalarNode:
            if tag == STR:
                return node.value
            if tag not in _SCALAR_TAGS:
                raise Unusual
            try:
                return constructors[tag](loader, node)
            except Exception:  # `_Builder` meets it again, and decides
                raise Unusual from None
        # Counted at each list and mapping, an alias bomb stops here (and again in
        # `_Builder`, with the message): only aliases repeat nodes.
        count += len(node.value)
        if count > max_nodes or depth > MAX_DEPTH:
            raise Unusual
        if kind is MappingNode:
            if tag != MAP:
                raise Unusual
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag != STR or key_node.__class__ is not ScalarNode:
                    raise Unusual
                key = key_node.value
                if key in result:
                    raise Unusual
                if value_node.tag == STR and value_node.__class__ is ScalarNode:
                    result[key] = value_node.value  # text, inline
                else:
                    result[key] = value_of(value_node, depth + 1)
            return result
        if kind is SequenceNode and tag == SEQ:
            return [value_of(item, depth + 1) for item in node.value]
        raise Unusual

    return value_of(root, 0)


def positions(root: Any, display: str) -> tuple[Positions, Positions, set[Any], set[Any]]:
    """The location of each value and of each key of a document `build` took, and the
    paths of its block and its quoted scalars, as `_Builder` records them (in the same
    order)."""
    values: Positions = {}
    keys: Positions = {}
    block_scalars: set[Any] = set()
    quoted: set[Any] = set()
    new = tuple.__new__

    def walk(node: Any, path: tuple[str | int, ...]) -> None:
        mark = node.start_mark
        values[path] = new(Location, (display, mark.line + 1, mark.column + 1))
        kind = node.__class__
        if kind is ScalarNode:
            style = node.style
            if style in ("|", ">"):
                block_scalars.add(path)
            elif style in ('"', "'") and node.tag == STR:
                quoted.add(path)
        elif kind is MappingNode:
            for key_node, value_node in node.value:
                child = (*path, key_node.value)
                mark = key_node.start_mark
                keys[child] = new(Location, (display, mark.line + 1, mark.column + 1))
                walk(value_node, child)
        else:
            for i, item in enumerate(node.value):
                walk(item, (*path, i))

    walk(root, ())
    return values, keys, block_scalars, quoted


def position(root: Any, data: Any, path: tuple[str | int, ...], display: str
             ) -> Location | None:
    """`positions(root, display)[0].get(path)`, found without the others: `data` is what
    `build` made of `root`."""
    node = root
    for part in path:
        if isinstance(part, str):
            if not isinstance(data, dict) or part not in data:
                return None
            node = next(value for key, value in node.value if key.value == part)
        else:
            if not isinstance(data, list) or not 0 <= part < len(data):
                return None
            node = node.value[part]
        data = data[part]
    mark = node.start_mark
    return Location(display, mark.line + 1, mark.column + 1)

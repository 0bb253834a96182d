"""Validation problems in the user's words, at the offending value.

pydantic reports a type error as "Input should be a valid tuple"; the user wrote YAML
and reads "expected a list, such as [a, b]; found text 'prod, staging'". YAML 1.1 reads
an unquoted `yes`, `no`, `on` and `off` as booleans, so a message about such a value
says what was written, not `True`.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from jobsmith.errors import Location, Problem, _source_lines
from jobsmith.spec.fields import CREDENTIAL_ID, HANDLER, IDENTIFIER
from jobsmith.spec.model import LOCK_NAME
from jobsmith.spec.stages import GIT_BRANCH, GIT_URL, HTTP_URL, ParallelGroup
from jobsmith.spec.yamlsource import Located, Path_, kind_of

# Our own custom errors carry their whole message; only the found value is added
# to the others.
_OWN_KINDS = {"duration", "command", "credential", "parameter", "schedule", "body",
              "duplicate", "retries", "timezone", "label", "sha256", "stage", "throttle",
              "after", "cron", "env", "outputs"}

_EXPECTED = {
    "tuple_type": "expected a list, such as [a, b]",
    "list_type": "expected a list, such as [a, b]",
    "set_type": "expected a list, such as [a, b]",
    "dict_type": "expected a mapping, such as {key: value}",
    "model_type": "expected a mapping, such as {key: value}",
    "model_attributes_type": "expected a mapping, such as {key: value}",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "float_type": "expected a number",
    "float_parsing": "expected a number",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "string_type": "expected text",
}

_PATTERNS = {
    IDENTIFIER: "must be a name of letters, digits and '_', not starting with a digit",
    HANDLER: "must be a name of letters, digits, '.', '_' and '-'",
    CREDENTIAL_ID: "must be a Jenkins credential id (letters, digits, '.', '_', '-', '@', ':')",
    LOCK_NAME: "must be a name of letters, digits, '.', '_', '-', ':', '@' and '+', starting "
               "with a letter or digit (no quotes or spaces)",
    HTTP_URL: "must be an http:// or https:// address",
    GIT_URL: "must be a git repository address (https://, ssh://, git://, file:// or "
             "user@host:path)",
    GIT_BRANCH: "must be a git branch name (no spaces or ~^:?*[\\)",
}

_YAML_TRUE = {"yes", "y", "on", "true"}
_YAML_BOOLEANS = _YAML_TRUE | {"no", "n", "off", "false"}


def pydantic_problem(item: Any, merged: Located, display: str) -> Problem:
    """One pydantic error item as a located problem in our words."""
    loc: tuple[str | int, ...] = _without_tags(tuple(item["loc"]))
    # pydantic adds union/validator tags to paths; keep the prefix that exists in the data.
    path: Path_ = ()
    for part in loc:
        if (*path, part) in merged.values or (*path, part) in merged.keys:
            path = (*path, part)
    kind = item["type"]
    context = item.get("ctx") or {}
    if "at" in context and (*path, *context["at"]) in merged.values:
        path = (*path, *context["at"])
    on_key = "[key]" in loc or kind == "body"  # `body` is about a key being there
    dotted = _dotted(path)
    where = f"`{dotted}`: " if dotted and kind != "body" else ""
    if kind == "extra_forbidden":
        location = merged.keys.get(path, merged.values.get(path[:-1], Location(display)))
        return Problem(location, _unknown_key(path, merged.data))
    if on_key:
        location = merged.keys.get(path) or merged.values.get(path) or Location(display)
    else:
        location = merged.values.get(path) or merged.keys.get(path) or Location(display)
    if kind in ("cron", "label"):
        location = _cron_location(merged, path, location, context)
        return Problem(location, f"{where}{item['msg']}")
    if kind == "missing":
        parent = merged.values.get(path, Location(display))
        return Problem(parent, f"`{_dotted(loc)}` is required (missing {loc[-1]!r})")
    value = _value_at(merged.data, path)
    written = _written(location, path in merged.quoted)
    if kind in _OWN_KINDS:
        message = item["msg"]
        if isinstance(value, bool) and written:
            message = re.sub(r"\b(got|found) (True|False|true|false)\b",
                             f"found {written}", message) + _yaml_boolean(
                                 written, value, False)
        return Problem(location, f"{where}{message}")
    message = _expected(kind, item["msg"], context)
    if "input" in item:
        message += "; " + _found(item["input"], written, kind)
    return Problem(location, f"{where}{message}")


def _expected(kind: str, message: str, context: dict[str, Any]) -> str:
    if kind in _EXPECTED:
        return _EXPECTED[kind]
    if kind == "literal_error":
        return f"must be one of {context.get('expected', 'the listed values')}"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        word = {"greater_than_equal": "at least", "greater_than": "more than",
                "less_than_equal": "at most", "less_than": "less than"}[kind]
        bound = next(iter(context.values()), "")
        return f"must be {word} {bound}"
    if kind in ("too_short", "string_too_short"):
        least = context.get("min_length", 1)
        return "must not be empty" if least == 1 else f"needs at least {least}"
    if kind in ("too_long", "string_too_long"):
        return f"may hold at most {context.get('max_length')}" + (
            " characters" if kind == "string_too_long" else " items")
    if kind == "string_pattern_mismatch":
        return _PATTERNS.get(str(context.get("pattern")), "is not in the form expected here")
    for pattern, text in _PATTERNS.items():
        message = message.replace(f"String should match pattern '{pattern}'", text)
    return message


def _found(found: Any, written: str | None, kind: str) -> str:
    if isinstance(found, dict | list):
        return f"found {kind_of(found)}"
    if found is None:
        return "found no value (empty, or null)"
    if isinstance(found, bool):
        if written and written.lower() in _YAML_BOOLEANS:
            return f"found {written}" + _yaml_boolean(written, found, kind == "string_type")
        return f"found the boolean {str(found).lower()}"
    if isinstance(found, int | float):
        text = written or repr(found)
        note = f" (quote it, '{text}', to make it text)" if kind == "string_type" else ""
        return f"found the number {text}{note}"
    text = f"found text {found!r}"
    if kind in ("tuple_type", "list_type", "set_type") and "," in found:
        items = ", ".join(part.strip() for part in found.split(","))
        text += f" (a list is written [{items}])"
    elif kind.startswith(("int", "float")) and re.fullmatch(r"\s*-?\d+(\.\d+)?\s*", found):
        text += " (write the number without quotes)"
    elif kind.startswith("bool") and found.strip().lower() in _YAML_BOOLEANS:
        text += " (write true or false without quotes)"
    return text


def _yaml_boolean(written: str, value: bool, text_wanted: bool) -> str:
    if written.lower() in ("true", "false"):
        return ""
    quote = f"; quote it, '{written}', to mean the text" if text_wanted else ""
    return f" (YAML reads an unquoted {written} as the boolean {str(value).lower()}{quote})"


def _written(location: Location, quoted: bool) -> str | None:
    """The value's text as written at `location`, for a plain one-line scalar."""
    if quoted:
        return None
    lines = _source_lines(location.path)
    if lines is None or not 1 <= location.line <= len(lines):
        return None
    rest = lines[location.line - 1][location.col - 1:]
    match = re.match(r"[^,\]\}#\s][^,\]\}#]*", rest)
    return match.group(0).strip() if match else None


def _value_at(data: Any, path: Path_) -> Any:
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _without_tags(loc: tuple[str | int, ...]) -> tuple[str | int, ...]:
    """Drop the tags pydantic puts after a list index for `stages` items."""
    return tuple(part for i, part in enumerate(loc)
                 if not (part in _STAGE_TAGS and i and isinstance(loc[i - 1], int)
                         and loc[:1] == ("stages",)))


_STAGE_TAGS = ("stage", "group")


def _dotted(path: tuple[str | int, ...]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _unknown_key(path: Path_, data: Any) -> str:
    key = str(path[-1])
    allowed = _allowed_keys(path[:-1], data)
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    where = f" in `{_dotted(path[:-1])}`" if path[:-1] else ""
    return f"unknown key {key!r}{where}{hint} Allowed: {', '.join(allowed)}"


def _allowed_keys(path: Path_, data: Any) -> list[str]:
    from jobsmith.spec import model

    current: type[model.Model] = model.JobDocument
    for depth, part in enumerate(path):
        if isinstance(part, int):
            continue
        annotation = current.model_fields[str(part)].annotation
        nested = _model_in(annotation)
        if nested is None:
            return []
        current = nested
        if part == "stages" and _is_group(data, path[:depth + 2]):
            current = ParallelGroup
    return list(current.model_fields)


def _is_group(data: Any, path: Path_) -> bool:
    found = _value_at(data, path)
    return isinstance(found, dict) and "parallel" in found


def _model_in(annotation: Any) -> Any:
    from typing import get_args

    from jobsmith.spec.model import Model

    if isinstance(annotation, type) and issubclass(annotation, Model):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None
def _cron_location(merged: Located, path: Path_, location: Location,
                   context: dict[str, Any]) -> Location:
    line = int(context.get("line", 1))
    col = int(context.get("col", 1))
    if (*path, line - 1) in merged.values:  # a list of lines
        item = merged.values[(*path, line - 1)]
        quote = 1 if (*path, line - 1) in merged.quoted else 0
        return Location(item.path, item.line, item.col + quote + col - 1)
    if path in merged.block_scalars:
        return Location(location.path, location.line + line, col + 2)
    if line == 1:
        quote = 1 if path in merged.quoted else 0
        return Location(location.path, location.line, location.col + quote + col - 1)
    return location

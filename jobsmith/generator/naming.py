"""File names for generated scripts.

Job DSL compiles each script to a class named after the file, so a DSL file's base name
must be a Java identifier; a base name equal to a Java package root draws a warning.
Job names are mapped to identifiers; names that would collide within one folder (and
names the mapping had to change that then collide) get a short hash of the full name.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable

FOLDERS_SCRIPT = "folders.groovy"

_JAVA_KEYWORDS = frozenset(
    [
        "abstract",
        "assert",
        "boolean",
        "break",
        "byte",
        "case",
        "catch",
        "char",
        "class",
        "const",
        "continue",
        "default",
        "do",
        "double",
        "else",
        "enum",
        "extends",
        "final",
        "finally",
        "float",
        "for",
        "goto",
        "if",
        "implements",
        "import",
        "instanceof",
        "int",
        "interface",
        "long",
        "native",
        "new",
        "package",
        "private",
        "protected",
        "public",
        "return",
        "short",
        "static",
        "strictfp",
        "super",
        "switch",
        "synchronized",
        "this",
        "throw",
        "throws",
        "transient",
        "try",
        "void",
        "volatile",
        "while",
        "true",
        "false",
        "null",
        "var",
        "record",
        "yield",
        "as",
        "def",
        "in",
        "trait",
    ]
)
# Package roots a script name must not shadow (the plugin warns about them).
_PACKAGE_ROOTS = frozenset(
    ["java", "javax", "groovy", "org", "com", "net", "sun", "jdk", "jenkins", "hudson"]
)


def _identifier(name: str) -> str:
    text = re.sub(r"[^A-Za-z0-9_]", "_", name)
    if not text or text[0].isdigit() or text in _JAVA_KEYWORDS or text in _PACKAGE_ROOTS:
        text = f"job_{text}"
    return text


def dsl_paths(full_names: Iterable[str]) -> dict[str, str]:
    """Full job name -> path of its DSL script below `OUT/dsl/`."""
    by_folder: dict[str, list[str]] = defaultdict(list)
    for name in full_names:
        by_folder[name.rpartition("/")[0]].append(name)
    result: dict[str, str] = {}
    for folder, names in by_folder.items():
        wanted: dict[str, list[str]] = defaultdict(list)
        for name in names:
            wanted[_identifier(name.rpartition("/")[2])].append(name)
        if not folder:
            wanted["folders"].append("")  # OUT/dsl/folders.groovy is taken
        for base, claimants in wanted.items():
            for name in claimants:
                if not name:
                    continue
                chosen = base
                if len(claimants) > 1:
                    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
                    chosen = f"{base}_{digest}"
                result[name] = f"{folder}/{chosen}.groovy" if folder else f"{chosen}.groovy"
    return result


def pipeline_path(full_name: str) -> str:
    """Path of a job's pipeline text below `OUT/pipelines/`."""
    return f"{full_name}.groovy"

"""The bytecode size of every method in a JVM class file (the JVM caps one at 65,535
bytes of code: JVMS 4.7.3, `code_length` < 65536)."""

from __future__ import annotations

import struct
from pathlib import Path

# constant pool tag -> size of its entry after the tag (1 = Utf8, which has its own length)
_SIZES = {3: 4, 4: 4, 5: 8, 6: 8, 7: 2, 8: 2, 9: 4, 10: 4, 11: 4, 12: 4, 15: 3, 16: 2,
          17: 4, 18: 4, 19: 2, 20: 2}


def method_code_sizes(path: Path) -> dict[str, int]:
    """method name + descriptor -> its `code_length`."""
    data = path.read_bytes()
    assert data[:4] == b"\xca\xfe\xba\xbe", path
    count = struct.unpack_from(">H", data, 8)[0]
    utf8: dict[int, str] = {}
    at, index = 10, 1
    while index < count:
        tag = data[at]
        if tag == 1:
            length = struct.unpack_from(">H", data, at + 1)[0]
            utf8[index] = data[at + 3:at + 3 + length].decode("utf-8", "replace")
            at += 3 + length
        else:
            at += 1 + _SIZES[tag]
        index += 2 if tag in (5, 6) else 1
    at += 6  # access, this, super
    interfaces = struct.unpack_from(">H", data, at)[0]
    at += 2 + 2 * interfaces
    at = _skip_members(data, at)  # fields
    methods = struct.unpack_from(">H", data, at)[0]
    at += 2
    sizes: dict[str, int] = {}
    for _ in range(methods):
        _, name, descriptor, attributes = struct.unpack_from(">HHHH", data, at)
        at += 8
        for _ in range(attributes):
            attr_name, length = struct.unpack_from(">HI", data, at)
            if utf8.get(attr_name) == "Code":
                sizes[utf8[name] + utf8[descriptor]] = struct.unpack_from(">I", data, at + 10)[0]
            at += 6 + length
    return sizes


def _skip_members(data: bytes, at: int) -> int:
    count = struct.unpack_from(">H", data, at)[0]
    at += 2
    for _ in range(count):
        attributes = struct.unpack_from(">H", data, at + 6)[0]
        at += 8
        for _ in range(attributes):
            at += 6 + struct.unpack_from(">I", data, at + 2)[0]
    return at

from __future__ import annotations

import pytest

from jobsmith.wrapper.tail import OutputTail, masked_tail, secret_values, window_size


@pytest.mark.parametrize(
    ("chunks", "capacity", "expected"),
    [
        ([b"abc", b"def"], 4, b"cdef"),
        ([b"abcdefgh"], 4, b"efgh"),
        ([b"ab"], 4, b"ab"),
        ([b"ab", b"", b"cdefg", b"h"], 3, b"fgh"),
        ([b"\x00\xff\r\n"], 8, b"\x00\xff\r\n"),
    ],
)
def test_output_tail_keeps_the_last_bytes(
    chunks: list[bytes], capacity: int, expected: bytes
) -> None:
    tail = OutputTail(capacity)
    for chunk in chunks:
        tail.feed(chunk)
    assert tail.getvalue() == expected


@pytest.mark.parametrize(
    ("window", "secrets", "size", "expected"),
    [
        (b"user=bob pass=hunter2 ok", [b"hunter2"], 100, b"user=bob pass=**** ok"),
        (b"hunter2hunter2", [b"hunter2"], 100, b"********"),
        # the secret straddles the cut: masked, no fragment at the start
        (b"xxhunter2 done", [b"hunter2"], 8, b"**** done"),
        # the cut falls before the secret
        (b"xxhunter2 done", [b"hunter2"], 12, b"hunter2 done".replace(b"hunter2", b"****")),
        # the secret lies wholly before the cut
        (b"hunter2 and then some", [b"hunter2"], 9, b"then some"),
        # the longest secret wins where two overlap
        (b"a=abcdef", [b"abc", b"abcdef"], 100, b"a=****"),
        (b"nothing here", [b"hunter2"], 100, b"nothing here"),
        (b"no secrets", [], 4, b"rets"),
        (b"empty values are ignored", [b""], 100, b"empty values are ignored"),
    ],
)
def test_masked_tail(window: bytes, secrets: list[bytes], size: int, expected: bytes) -> None:
    assert masked_tail(window, secrets, size) == expected


def test_window_covers_the_longest_secret() -> None:
    secret = b"s3cr3t-value"
    tail = OutputTail(window_size([secret, b"ab"], 16))
    for byte in b"before " + secret + b" after the secret":
        tail.feed(bytes([byte]))
    result = masked_tail(tail.getvalue(), [secret], 16)
    assert len(tail.getvalue()) == 16 + len(secret)
    assert b"s3cr" not in result and b"value" not in result


def test_secret_values_reads_the_named_variables() -> None:
    environb = {b"DB_PASS": b"hunter2", b"TOKEN": b"abc", b"EMPTY": b""}
    assert secret_values(environb, "DB_PASS, TOKEN,EMPTY,MISSING,,") == [b"hunter2", b"abc"]
    assert secret_values(environb, "") == []

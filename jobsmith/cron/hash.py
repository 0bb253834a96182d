"""Jenkins' `H`: an MD5 of the job's full name seeding a `java.util.Random`.

Mirrors `hudson.scheduler.Hash.from(String)` and `java.util.Random.nextInt(int)` bit for
bit, so every `H` lands on the minute Jenkins picks.
"""

from __future__ import annotations

import hashlib

_MULTIPLIER = 0x5DEECE66D
_ADDEND = 0xB
_MASK = (1 << 48) - 1
_INT_LIMIT = 1 << 31


class JavaRandom:
    """`java.util.Random`: the 48-bit linear congruential generator, `nextInt(bound)` only."""

    def __init__(self, seed: int) -> None:
        self._state = (seed ^ _MULTIPLIER) & _MASK

    def _next31(self) -> int:
        self._state = (self._state * _MULTIPLIER + _ADDEND) & _MASK
        return self._state >> 17

    def next_int(self, bound: int) -> int:
        if bound <= 0:
            raise ValueError(f"bound must be positive, got {bound}")
        r = self._next31()
        m = bound - 1
        if bound & m == 0:  # a power of two: take the high bits
            return (bound * r) >> 31
        u = r
        while True:
            r = u % bound
            if u - r + m < _INT_LIMIT:  # no 32-bit overflow: unbiased
                return r
            u = self._next31()


class JenkinsHash:
    """The source of every `H` draw for one job: `next(n)` is in `[0, n)`."""

    def __init__(self, random: JavaRandom | None) -> None:
        self._random = random

    @classmethod
    def for_job(cls, full_name: str) -> JenkinsHash:
        """`Hash.from(fullName)`: MD5, fold bytes 8..15 onto 0..7, a big-endian long."""
        digest = hashlib.md5(full_name.encode("utf-8")).digest()
        folded = int.from_bytes(digest[:8], "big") ^ int.from_bytes(digest[8:], "big")
        seed = folded - (1 << 64) if folded >> 63 else folded  # the signed long
        return cls(JavaRandom(seed))

    @classmethod
    def zero(cls) -> JenkinsHash:
        """`Hash.zero()`: every draw is 0 (what Jenkins uses when there is no job)."""
        return cls(None)

    def next(self, n: int) -> int:
        return 0 if self._random is None else self._random.next_int(n)

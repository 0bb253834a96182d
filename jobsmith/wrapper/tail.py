"""The last bytes of a command's output, kept for the alert, with secrets masked.

`OutputTail` keeps a bounded window of everything written to stdout and stderr (in the
order the wrapper read it). `masked_tail` cuts the last `size` bytes out of that window
and replaces every secret value with `****`. The window is longer than the tail by the
longest secret, so a secret that straddles the cut is still recognised and masked, and
no fragment of it shows at the start of the tail.
"""

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

TAIL_BYTES = 4096
MASK = b"****"


class OutputTail:
    """The last `capacity` bytes fed to it."""

    __slots__ = ("_buffer", "capacity")

    def __init__(self, capacity: int = TAIL_BYTES) -> None:
        self.capacity = capacity
        self._buffer = bytearray()

    def feed(self, data: bytes | memoryview) -> None:
        if len(data) >= self.capacity:
            self._buffer[:] = data[-self.capacity :]
            return
        self._buffer += data
        excess = len(self._buffer) - self.capacity
        if excess > 0:
            del self._buffer[:excess]

    def getvalue(self) -> bytes:
        return bytes(self._buffer)


def window_size(secrets: list[bytes], size: int = TAIL_BYTES) -> int:
    """How many bytes `OutputTail` must keep so `masked_tail` can mask across the cut."""
    return size + max((len(secret) for secret in secrets), default=0)


def masked_tail(window: bytes, secrets: list[bytes], size: int = TAIL_BYTES) -> bytes:
    """The last `size` bytes of `window`, every secret in it replaced by `****`.

    A secret that starts before the cut and ends after it shows as `****` at the start.
    """
    cut = max(len(window) - size, 0)
    secrets = sorted({secret for secret in secrets if secret}, key=len, reverse=True)
    if not secrets:
        return window[cut:]
    pieces: list[bytes] = []
    position = 0
    while True:
        found = _next_secret(window, secrets, position)
        start, end = found if found is not None else (len(window), len(window))
        if start > cut:
            pieces.append(window[max(position, cut) : start])
        if found is None:
            break
        if end > cut:
            pieces.append(MASK)
        position = end
    return b"".join(pieces)


def _next_secret(window: bytes, secrets: list[bytes], start: int) -> tuple[int, int] | None:
    """(start, end) of the earliest secret at or after `start`; the longest wins a tie."""
    best: tuple[int, int] | None = None
    for secret in secrets:
        index = window.find(secret, start)
        if index >= 0 and (best is None or index < best[0]):
            best = (index, index + len(secret))
    return best


def secret_values(environb: "Mapping[bytes, bytes]", names: str) -> list[bytes]:
    """The values of the environment variables named in `names` (comma separated)."""
    values = []
    for name in names.split(","):
        value = environb.get(name.strip().encode()) if name.strip() else None
        if value:
            values.append(value)
    return values

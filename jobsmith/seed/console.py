"""A build's console, streamed the way Jenkins' own UI reads it.

`GET <build>/logText/progressiveText?start=N` answers the bytes from offset N, the
new offset in `X-Text-Size`, and `X-More-Data: true` while the log may still grow.
Offsets are bytes, so text is decoded incrementally: a UTF-8 character split across
two answers still comes out whole.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable

from jobsmith.seed.connection import JenkinsClient, job_path


class ConsoleStream:
    """Reads a build's console from where the last read stopped."""

    def __init__(self, client: JenkinsClient, job: str, number: int) -> None:
        self._client = client
        self._path = f"{job_path(job)}{number}/logText/progressiveText"
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.offset = 0
        self.complete = False

    def read(self, write: Callable[[str], None]) -> bool:
        """Write what is new; True while Jenkins says more may come."""
        response = self._client.get(self._path, {"start": str(self.offset)})
        size = response.headers.get("X-Text-Size")
        text = self._decoder.decode(response.content)
        more = response.headers.get("X-More-Data", "").lower() == "true"
        if not more:
            text += self._decoder.decode(b"", final=True)
        if text:
            write(text)
        self.offset = int(size) if size and size.isdigit() else self.offset + len(response.content)
        self.complete = not more
        return more

"""`jobsmith run --artifact URL --sha256 HEX`: fetch the script or binary to run.

The file is downloaded once per agent into a cache keyed by its checksum
(`$JOBSMITH_CACHE/artifacts/<sha256>`, default `~/.cache/jobsmith/artifacts/<sha256>`),
hashed while it streams in, and only a file whose sha256 matches is renamed into place
(atomically, executable). A cached file is hashed again before each use, so a damaged
one is fetched anew. A failed download or a wrong checksum raises ArtifactError and
leaves nothing runnable behind: the file is never run.

Imported only when a step uses an artifact (urllib and hashlib cost start-up time).
"""

from __future__ import annotations

import hashlib
import http.client
import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import BinaryIO

from jobsmith.wrapper.errors import WrapperError

CHUNK = 64 * 1024
DEFAULT_TIMEOUT = 60.0  # seconds without progress (connect, or between two reads)

Opener = Callable[[str, float], BinaryIO]


class ArtifactError(WrapperError):
    """The artifact could not be fetched or did not match its checksum (exit 125).

    `kind` is "download" or "checksum"; `alert_line` is the summary line for the
    Sensu alert of the run.
    """

    def __init__(self, kind: str, url: str, detail: str) -> None:
        self.kind = kind
        self.url = url
        self.detail = detail
        what = "download failed" if kind == "download" else "checksum mismatch"
        self.alert_line = f"artifact {what}: {url}: {detail}; the file was not run"
        super().__init__(self.alert_line)


def cache_root(environ: Mapping[str, str]) -> Path:
    """`$JOBSMITH_CACHE`, or `~/.cache/jobsmith`."""
    configured = environ.get("JOBSMITH_CACHE")
    if configured:
        return Path(configured)
    return Path.home() / ".cache" / "jobsmith"


def fetch_artifact(url: str, sha256: str, cache: Path, *,
                   opener: Opener | None = None,
                   timeout: float = DEFAULT_TIMEOUT) -> Path:
    """The path of an executable file whose content has checksum `sha256`, downloaded
    from `url` into `cache/artifacts/` unless a verified copy is already there."""
    expected = sha256.lower()
    if not url.startswith(("http://", "https://")):
        raise ArtifactError("download", url, "only http:// and https:// addresses are allowed")
    directory = cache / "artifacts"
    target = directory / expected
    if target.is_file() and _digest_of(target) == expected:
        _make_executable(target)
        return target
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as error:
        raise ArtifactError("download", url, f"cannot create the cache {directory}: "
                            f"{error.strerror or error}") from None
    fd, temporary = tempfile.mkstemp(prefix=f".{expected[:16]}.", dir=directory)
    try:
        with os.fdopen(fd, "wb") as out:
            actual = _download(url, out, opener or _urlopen, timeout)
            if actual != expected:
                raise ArtifactError("checksum", url, f"its sha256 is {actual}, the spec "
                                    f"expects {expected}")
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o755)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def _urlopen(url: str, timeout: float) -> BinaryIO:
    request = urllib.request.Request(url, headers={"User-Agent": "jobsmith"})
    response: BinaryIO = urllib.request.urlopen(request, timeout=timeout)
    return response


def _download(url: str, out: BinaryIO, opener: Opener, timeout: float) -> str:
    digest = hashlib.sha256()
    received = 0
    try:
        with opener(url, timeout) as response:
            while chunk := response.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
                received += len(chunk)
            declared = _declared_length(response)
    except urllib.error.HTTPError as error:
        raise ArtifactError("download", url, f"HTTP {error.code} {error.reason}") from None
    except urllib.error.URLError as error:
        raise ArtifactError("download", url, str(error.reason)) from None
    except (http.client.HTTPException, TimeoutError, OSError) as error:
        raise ArtifactError("download", url, str(error) or type(error).__name__) from None
    # http.client ends a body cut short quietly when read in chunks: compare the length.
    if declared is not None and received != declared:
        raise ArtifactError("download", url, f"the connection closed after {received} of "
                            f"{declared} bytes")
    return digest.hexdigest()


def _declared_length(response: BinaryIO) -> int | None:
    headers = getattr(response, "headers", None)
    value = headers.get("Content-Length") if headers is not None else None
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _digest_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _make_executable(path: Path) -> None:
    mode = path.stat().st_mode
    if mode & 0o111 != 0o111:
        path.chmod(mode | 0o755)

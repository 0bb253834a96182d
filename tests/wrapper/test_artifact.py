"""Fetching a step's artifact: from a local HTTP server on 127.0.0.1, verified, cached by
checksum, executable; a bad download or checksum leaves nothing to run."""

from __future__ import annotations

import hashlib
import os
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from jobsmith.wrapper.artifact import ArtifactError, cache_root, fetch_artifact
from tests.support.ports import refused_port

SCRIPT = b"#!/bin/sh\necho artifact ran \"$@\"\n"
DIGEST = hashlib.sha256(SCRIPT).hexdigest()


class _Handler(BaseHTTPRequestHandler):
    routes: ClassVar[dict[str, tuple[int, bytes, int | None]]]  # path -> status, body, length
    hits: ClassVar[list[str]]

    def do_GET(self) -> None:
        self.hits.append(self.path)
        status, body, length = self.routes.get(self.path, (404, b"missing", None))
        self.send_response(status)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[str, type[_Handler]]]:
    handler = type("Handler", (_Handler,), {"routes": {}, "hits": []})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", handler
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_downloads_verifies_and_runs(server: tuple[str, type[_Handler]], tmp_path: Path) -> None:
    base, handler = server
    handler.routes["/tool"] = (200, SCRIPT, None)
    path = fetch_artifact(f"{base}/tool", DIGEST, tmp_path)
    assert path == tmp_path / "artifacts" / DIGEST
    assert path.read_bytes() == SCRIPT
    assert os.access(path, os.X_OK)
    assert subprocess.run([path, "a", "b"], capture_output=True).stdout == b"artifact ran a b\n"
    assert [p.name for p in path.parent.iterdir()] == [DIGEST]  # no temporary file left


def test_cached_copy_is_reused_without_a_request(server: tuple[str, type[_Handler]],
                                                 tmp_path: Path) -> None:
    base, handler = server
    handler.routes["/tool"] = (200, SCRIPT, None)
    first = fetch_artifact(f"{base}/tool", DIGEST, tmp_path)
    second = fetch_artifact(f"{base}/other-url-same-file", DIGEST.upper(), tmp_path)
    assert first == second
    assert handler.hits == ["/tool"]


def test_damaged_cached_copy_is_fetched_again(server: tuple[str, type[_Handler]],
                                              tmp_path: Path) -> None:
    base, handler = server
    handler.routes["/tool"] = (200, SCRIPT, None)
    (tmp_path / "artifacts").mkdir()
    (tmp_path / "artifacts" / DIGEST).write_bytes(b"#!/bin/sh\nrm -rf /\n")
    path = fetch_artifact(f"{base}/tool", DIGEST, tmp_path)
    assert path.read_bytes() == SCRIPT
    assert handler.hits == ["/tool"]


def test_wrong_checksum_is_an_error_and_nothing_is_kept(server: tuple[str, type[_Handler]],
                                                        tmp_path: Path) -> None:
    base, handler = server
    handler.routes["/tool"] = (200, b"#!/bin/sh\necho tampered\n", None)
    with pytest.raises(ArtifactError) as caught:
        fetch_artifact(f"{base}/tool", DIGEST, tmp_path)
    error = caught.value
    assert error.kind == "checksum"
    assert error.exit_code == 125
    tampered = hashlib.sha256(b"#!/bin/sh\necho tampered\n").hexdigest()
    assert error.alert_line == (f"artifact checksum mismatch: {base}/tool: its sha256 is "
                                f"{tampered}, the spec expects {DIGEST}; the file was not run")
    assert list((tmp_path / "artifacts").iterdir()) == []


@pytest.mark.parametrize(
    ("route", "detail"),
    [
        ((404, b"missing", None), "HTTP 404 Not Found"),
        ((500, b"oops", None), "HTTP 500 Internal Server Error"),
        ((200, SCRIPT[:10], len(SCRIPT)), f"the connection closed after 10 of {len(SCRIPT)} bytes"),
    ],
    ids=["not-found", "server-error", "truncated"],
)
def test_failed_download_is_an_error_and_nothing_is_kept(
    server: tuple[str, type[_Handler]], tmp_path: Path,
    route: tuple[int, bytes, int | None], detail: str,
) -> None:
    base, handler = server
    handler.routes["/tool"] = route
    with pytest.raises(ArtifactError) as caught:
        fetch_artifact(f"{base}/tool", DIGEST, tmp_path)
    assert caught.value.kind == "download"
    assert caught.value.alert_line == (f"artifact download failed: {base}/tool: {detail}; "
                                       "the file was not run")
    assert list((tmp_path / "artifacts").iterdir()) == []


def test_unreachable_server_is_a_download_error(tmp_path: Path) -> None:
    port = refused_port()  # a port nobody listens on
    with pytest.raises(ArtifactError, match="artifact download failed") as caught:
        fetch_artifact(f"http://127.0.0.1:{port}/tool", DIGEST, tmp_path, timeout=5)
    assert caught.value.kind == "download"


def test_only_http_addresses(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_bytes(SCRIPT)
    with pytest.raises(ArtifactError, match="only http:// and https://"):
        fetch_artifact(secret.as_uri(), DIGEST, tmp_path)


def test_cache_root_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cache_root({"JOBSMITH_CACHE": str(tmp_path)}) == tmp_path
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_root({}) == tmp_path / "home" / ".cache" / "jobsmith"


def test_wrapper_runs_the_artifact_with_its_arguments(
    server: tuple[str, type[_Handler]], tmp_path: Path, wrapper_env: dict[str, str]
) -> None:
    from tests.wrapper.conftest import run_wrapper

    base, handler = server
    handler.routes["/tool"] = (200, SCRIPT, None)
    env = dict(wrapper_env, JOBSMITH_CACHE=str(tmp_path / "cache"))
    args = ["--job", "ops/tool", "--artifact", f"{base}/tool", "--sha256", DIGEST.upper(),
            "--", "one", "two words"]
    result = run_wrapper(args, env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"artifact ran one two words\n"
    assert run_wrapper(args, env).returncode == 0
    assert handler.hits == ["/tool"]  # the second run used the cache


def test_wrapper_refuses_a_wrong_checksum_with_an_alert(
    server: tuple[str, type[_Handler]], tmp_path: Path, wrapper_env: dict[str, str],
    fake_sensu: Any,
) -> None:
    from tests.wrapper.conftest import run_wrapper

    base, handler = server
    marker = tmp_path / "ran"
    handler.routes["/evil"] = (200, f"#!/bin/sh\ntouch {marker}\n".encode(), None)
    env = dict(wrapper_env, JOBSMITH_CACHE=str(tmp_path / "cache"),
               JOBSMITH_SENSU=fake_sensu.tcp_url)
    result = run_wrapper(["--job", "ops/evil", "--artifact", f"{base}/evil",
                          "--sha256", DIGEST], env)
    assert result.returncode == 125
    assert not marker.exists()
    assert b"checksum mismatch" in result.stderr
    (check,) = fake_sensu.wait_for(1)
    assert check["status"] == 2
    assert check["attempts"] == 0 and check["exit_code"] == 125
    assert check["output"].startswith("ops/evil did not run (exit 125): artifact checksum "
                                      "mismatch")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--artifact", "http://127.0.0.1:1/x"], b"--artifact URL and --sha256 HEX go together"),
        (["--sha256", DIGEST], b"--artifact URL and --sha256 HEX go together"),
        (["--artifact", "file:///bin/sh", "--sha256", DIGEST], b"only http:// and https://"),
        (["--artifact", "http://127.0.0.1:1/x", "--sha256", "abc"], b"64 hex digits"),
    ],
)
def test_wrapper_artifact_misuse_is_125(args: list[str], message: bytes,
                                        wrapper_env: dict[str, str]) -> None:
    from tests.wrapper.conftest import run_wrapper

    result = run_wrapper(["--job", "x", *args], wrapper_env)
    assert result.returncode == 125
    assert message in result.stderr

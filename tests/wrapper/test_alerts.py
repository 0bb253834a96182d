"""The check result, and its delivery to the fake Sensu over TCP, UDP and HTTP."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from jobsmith.wrapper.alerts import (
    alert_status,
    check_name,
    check_result,
    sensu_go_event,
    source_name,
)
from jobsmith.wrapper.process import AttemptOutcome
from jobsmith.wrapper.runner import RunReport
from jobsmith.wrapper.sensu import DELIVERED, REJECTED, UNCONFIRMED, UNDELIVERABLE, send_check
from jobsmith.wrapper.settings import parse_sensu_url
from tests.support.ports import refused_port
from tests.wrapper.fake_sensu import FakeSensu, validate_check_result, validate_event


def report(exit_code: int = 0, duration: float = 2.5, **kwargs: object) -> RunReport:
    return RunReport(
        "data/nightly-backup",
        AttemptOutcome(exit_code, **kwargs),  # type: ignore[arg-type]
        attempts=2,
        timeouts=0,
        duration=duration,
        started_at=1_700_000_000.75,
    )


@pytest.mark.parametrize(
    ("exit_code", "duration", "max_duration", "expected"),
    [
        (0, 10.0, None, 0),
        (0, 10.0, 10.0, 0),
        (0, 10.1, 10.0, 1),
        (1, 1.0, 10.0, 2),
        (124, 1.0, None, 2),
        (137, 100.0, 10.0, 2),
    ],
)
def test_alert_status(
    exit_code: int, duration: float, max_duration: float | None, expected: int
) -> None:
    assert alert_status(exit_code, duration, max_duration) == expected


def test_names_match_what_sensu_accepts() -> None:
    assert check_name("data/nightly backup.v2") == "jobsmith.data.nightly_backup_v2"
    assert source_name("agent-1.example.com") == "agent-1.example.com"
    assert source_name("") == "_"
    assert source_name("weird host+é") == "weird_host__"


def test_check_result_fields() -> None:
    check = check_result(
        report(75),
        summary="data/nightly-backup failed (exit 75) after 2 attempts in 2.5s",
        tail=b"last words \xff\n",
        host="agent-1",
        max_duration=60.0,
        ttl=90000,
        handlers=("mail", "slack"),
        build_url="https://ci.example.com/job/data/job/nightly-backup/7/",
    )
    assert check == {
        "name": "jobsmith.data.nightly-backup",
        "status": 2,
        "output": (
            "data/nightly-backup failed (exit 75) after 2 attempts in 2.5s\nlast words \ufffd\n"
        ),
        "ttl": 90000,
        "ttl_status": 2,
        "handlers": ["mail", "slack"],
        "source": "jobsmith",
        "host": "agent-1",
        "executed": 1_700_000_000,
        "duration": 2.5,
        "job": "data/nightly-backup",
        "exit_code": 75,
        "attempts": 2,
        "build_url": "https://ci.example.com/job/data/job/nightly-backup/7/",
    }
    assert validate_check_result(dict(check)) is None
    event = sensu_go_event(check)
    assert event == {
        # A proxy entity: Sensu Go keys the event by it, not by the agent that sent it.
        "entity": {"metadata": {"name": "jobsmith"}, "entity_class": "proxy"},
        "check": {
            "metadata": {
                "name": "jobsmith.data.nightly-backup",
                "labels": {
                    "job": "data/nightly-backup",
                    "exit_code": "75",
                    "attempts": "2",
                    "host": "agent-1",
                },
                "annotations": {
                    "build_url": "https://ci.example.com/job/data/job/nightly-backup/7/"
                },
            },
            "status": 2,
            "output": check["output"],
            "handlers": ["mail", "slack"],
            "executed": 1_700_000_000,
            "duration": 2.5,
            "ttl": 90000,
        }
    }
    assert validate_event(event) is None


def test_check_result_without_optional_fields() -> None:
    check = check_result(report(0), summary="x succeeded", tail=b"", host="h")
    assert "ttl" not in check
    assert (check["status"], check["output"], check["build_url"], check["handlers"]) == (
        0,
        "x succeeded\n",
        None,
        [],
    )
    assert "annotations" not in sensu_go_event(check)["check"]["metadata"]


@pytest.mark.parametrize("scheme", ["tcp", "udp", "http"])
def test_delivery_over_each_transport(scheme: str, fake_sensu: FakeSensu) -> None:
    address = parse_sensu_url(getattr(fake_sensu, f"{scheme}_url"))
    check = check_result(
        report(0), summary="ok ünïcode", tail=b"tail \xe2\x82\xac\n", host="h", ttl=60
    )
    assert send_check(check, address, 2.0) == (
        DELIVERED,
        {"tcp": "ok", "udp": "sent", "http": "202"}[scheme],
    )
    (received,) = fake_sensu.wait_for(1)
    if scheme == "http":
        assert received["check"]["metadata"]["name"] == "jobsmith.data.nightly-backup"
        assert received["check"]["output"] == "ok ünïcode\ntail €\n"
    else:
        assert received["name"] == "jobsmith.data.nightly-backup"
        assert received["output"] == "ok ünïcode\ntail €\n"
        assert received["ttl"] == 60


@pytest.mark.parametrize("scheme", ["tcp", "http"])
@pytest.mark.parametrize(
    "change",
    [
        {"name": "jobsmith.bad name"},
        {"status": "2"},
        {"status": 1.5},
        {"ttl": 3},
    ],
)
def test_what_sensu_rejects_is_reported_as_rejected(
    scheme: str, change: dict[str, object], fake_sensu: FakeSensu
) -> None:
    check = check_result(report(1), summary="x", tail=b"", host="h")
    check.update(change)
    if change.get("ttl") == 3 and scheme == "tcp":
        check["ttl"] = 0  # Sensu 1.x wants ttl > 0
    state, reason = send_check(check, parse_sensu_url(getattr(fake_sensu, f"{scheme}_url")), 2.0)
    assert state == REJECTED, reason
    assert fake_sensu.accepted == []


def test_fake_sensu_rejects_malformed_json_and_missing_fields(fake_sensu: FakeSensu) -> None:
    host, port = fake_sensu.tcp_url[len("tcp://") :].split(":")
    for payload in (
        b'{"name": "x", "status": 0',
        b'{"status": 0, "output": "x"}',
        b'{"name": "x", "status": 0}',
    ):
        with socket.create_connection((host, int(port)), timeout=5) as sock:
            sock.sendall(payload)
            assert sock.recv(16) == b"invalid"
    import http.client

    http_port = parse_sensu_url(fake_sensu.http_url).port
    for body in (
        b"{not json",
        json.dumps({"check": {"metadata": {"name": "x"}, "status": 0}}).encode(),
    ):
        connection = http.client.HTTPConnection("127.0.0.1", http_port, timeout=5)
        connection.request("POST", "/events", body=body)
        assert connection.getresponse().status == 400
        connection.close()
    assert fake_sensu.accepted == []


@pytest.mark.parametrize("scheme", ["tcp", "udp", "http"])
def test_nobody_listening_is_undeliverable(scheme: str) -> None:
    kind = socket.SOCK_DGRAM if scheme == "udp" else socket.SOCK_STREAM
    address = parse_sensu_url(
        f"{scheme}://127.0.0.1:{refused_port(kind)}" + ("/events" if scheme == "http" else "")
    )
    state, _reason = send_check(
        check_result(report(), summary="x", tail=b"", host="h"), address, 1.0
    )
    assert state == UNDELIVERABLE


def test_a_silent_sensu_is_unconfirmed_not_waited_for() -> None:
    # Every byte written, no answer: the 1.x socket publishes a result as soon as its
    # JSON parses and answers afterwards (`lib/sensu/client/socket.rb`,
    # `parse_check_result`), so a slow Sensu has the result. Sending it again would
    # show it twice; the wrapper reports it as unconfirmed and does not retry.
    with socket.create_server(("127.0.0.1", 0)) as server:  # accepts, never answers
        address = parse_sensu_url(f"tcp://127.0.0.1:{server.getsockname()[1]}")
        check = check_result(report(), summary="x", tail=b"", host="h")
        state, reason = send_check(check, address, 0.3)
    assert state == UNCONFIRMED
    assert "did not answer in time" in reason


@pytest.mark.parametrize("scheme", ["tcp", "http"])
def test_a_slow_sensu_gets_each_result_once(
    scheme: str, fake_sensu: FakeSensu, tmp_path: Path
) -> None:
    from jobsmith.wrapper.finish import deliver_in_order
    from jobsmith.wrapper.settings import AgentSettings

    fake_sensu.answer_delay = 3.0  # answers after the wrapper's 2 s budget
    settings = AgentSettings(sensu=parse_sensu_url(getattr(fake_sensu, f"{scheme}_url")),
                             outbox=str(tmp_path / "outbox"))
    said: list[str] = []
    for number in range(3):
        check = check_result(report(), summary=f"run {number}", tail=b"", host="h")
        check["executed"] += number
        deliver_in_order(check, settings, said.append)
    received = fake_sensu.wait_for(3)
    assert len(received) == 3
    assert not list((tmp_path / "outbox").glob("*.json"))
    assert sum("not sent again" in line for line in said) == 3


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("tcp://127.0.0.1:3030", ("tcp", "127.0.0.1", 3030, "")),
        ("udp://sensu.local:3030", ("udp", "sensu.local", 3030, "")),
        ("http://127.0.0.1:3031/events", ("http", "127.0.0.1", 3031, "/events")),
        ("http://127.0.0.1:3031", ("http", "127.0.0.1", 3031, "/events")),
    ],
)
def test_parse_sensu_url(url: str, expected: tuple[str, str, int, str]) -> None:
    address = parse_sensu_url(url)
    assert (address.scheme, address.host, address.port, address.path) == expected


@pytest.mark.parametrize(
    "url", ["smtp://x:1", "tcp://x", "tcp://x:0", "tcp://:3030", "udp://x:1/path", "x:3030"]
)
def test_bad_sensu_urls_are_misuse(url: str) -> None:
    from jobsmith.wrapper.errors import WrapperError

    with pytest.raises(WrapperError):
        parse_sensu_url(url)

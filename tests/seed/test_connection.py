from __future__ import annotations

import subprocess

import pytest

from jobsmith.seed import errors
from jobsmith.seed.connection import (
    JenkinsClient,
    JenkinsSettings,
    RetryPolicy,
    job_path,
    load_settings,
)
from tests.seed.conftest import FOLDER_XML, pipeline_xml
from tests.seed.fake_jenkins import FakeJenkins
from tests.support.ports import refused_port


@pytest.mark.parametrize(("name", "path"), [
    ("seed", "job/seed/"),
    ("data/nightly-backup", "job/data/job/nightly-backup/"),
    ("a/b/c", "job/a/job/b/job/c/"),
    ("/a/b/", "job/a/job/b/"),
    ("team x/job #1", "job/team%20x/job/job%20%231/"),
])
def test_job_path(name: str, path: str) -> None:
    assert job_path(name) == path


@pytest.mark.parametrize(("retry", "delays"), [
    (RetryPolicy(), [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]),
    (RetryPolicy(backoff=1.0, max_backoff=3.0), [1.0, 2.0, 3.0, 3.0, 3.0, 3.0]),
])
def test_backoff_doubles_up_to_the_cap(retry: RetryPolicy, delays: list[float]) -> None:
    assert [retry.delay(n) for n in range(1, 7)] == delays


def _settings(**overrides: object) -> JenkinsSettings:
    arguments: dict[str, object] = {
        "url": None, "user": None, "token_file": None, "ca_bundle": None, "insecure": False,
        "environ": {},
    }
    arguments.update(overrides)
    return load_settings(**arguments)  # type: ignore[arg-type]


def test_settings_come_from_the_environment() -> None:
    settings = _settings(environ={"JOBSMITH_JENKINS_URL": "https://ci.example.com/",
                                 "JOBSMITH_JENKINS_USER": "bot", "JOBSMITH_JENKINS_TOKEN": "t0k"})
    assert (settings.url, settings.user, settings.token, settings.verify) == (
        "https://ci.example.com/", "bot", "t0k", True)
    assert "t0k" not in repr(settings)


def test_options_win_and_the_token_file_is_read(tmp_path) -> None:
    token = tmp_path / "token"
    token.write_text("from-file\n")
    settings = _settings(url="http://other:8080/", user="me", token_file=str(token),
                         ca_bundle="/etc/ca.pem",
                         environ={"JOBSMITH_JENKINS_URL": "https://ci/",
                                  "JOBSMITH_JENKINS_TOKEN": "x"})
    assert (settings.url, settings.user, settings.token, settings.verify) == (
        "http://other:8080/", "me", "from-file", "/etc/ca.pem")


@pytest.mark.parametrize(("overrides", "message"), [
    ({}, "no Jenkins URL"),
    ({"url": "ci.example.com"}, "must start with http"),
    ({"url": "http://ci/", "environ": {"JOBSMITH_JENKINS_TOKEN": "t"}}, "needs a user"),
    ({"url": "http://ci/", "user": "bot"}, "no API token for bot"),
    ({"url": "http://ci/", "insecure": True, "ca_bundle": "/x"}, "exclude each other"),
    ({"url": "http://ci/", "user": "bot", "token_file": "/nonexistent/token"}, "cannot read"),
])
def test_bad_settings_are_usage_errors(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(errors.UsageError, match=message) as caught:
        _settings(**overrides)
    assert caught.value.exit_code == 2


def test_insecure_turns_verification_off() -> None:
    assert _settings(url="https://ci/", insecure=True).verify is False


# -- failures users hit, each with its own exit status ---------------------------------

def test_wrong_url_is_reported_as_not_jenkins(fake: FakeJenkins) -> None:
    client = JenkinsClient(JenkinsSettings(fake.url + "wrong/path/", "admin", fake.token()))
    with pytest.raises(errors.NotJenkinsError, match="404 on api/json") as caught:
        client.job_json("seed")
    assert caught.value.exit_code == 10


def test_a_server_that_is_not_jenkins(fake: FakeJenkins) -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Plain(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Plain)
    threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True).start()
    try:
        client = JenkinsClient(JenkinsSettings(f"http://127.0.0.1:{server.server_address[1]}/"))
        with pytest.raises(errors.NotJenkinsError, match="no X-Jenkins header"):
            client.root()
    finally:
        server.shutdown()
        server.server_close()


def test_unreachable_host() -> None:
    sleeps: list[float] = []
    client = JenkinsClient(JenkinsSettings(f"http://127.0.0.1:{refused_port()}/"),
                           sleep=sleeps.append)
    with pytest.raises(errors.UnreachableError, match=r"cannot reach Jenkins at 127\.0\.0") as e:
        client.root()
    assert e.value.exit_code == 11
    assert sleeps == []  # refused is not transient


def test_tls_failure(fake: FakeJenkins) -> None:
    https = fake.url.replace("http://", "https://")
    client = JenkinsClient(JenkinsSettings(https, "admin", fake.token()))
    with pytest.raises(errors.TLSError, match=r"TLS failure talking to 127\.0\.0\.1") as caught:
        client.root()
    assert caught.value.exit_code == 12


def test_wrong_token_is_401(fake: FakeJenkins) -> None:
    client = JenkinsClient(JenkinsSettings(fake.url, "admin", "not-the-token"))
    with pytest.raises(errors.AuthenticationError, match="401") as caught:
        client.root()
    assert caught.value.exit_code == 13
    assert fake.requests[-1].path == "/api/json"


def test_anonymous_is_refused(fake: FakeJenkins) -> None:
    client = JenkinsClient(JenkinsSettings(fake.url))
    with pytest.raises(errors.AuthenticationError, match="requires authentication"):
        client.root()


def test_unknown_job_is_404(client: JenkinsClient) -> None:
    with pytest.raises(errors.UnknownJobError, match="no job 'data/nope'") as caught:
        client.job_json("data/nope")
    assert caught.value.exit_code == 16


def test_creating_an_existing_job_is_refused(fake: FakeJenkins, client: JenkinsClient) -> None:
    client.create_job("seed", pipeline_xml())
    with pytest.raises(errors.JenkinsRequestError, match="already exists") as caught:
        client.create_job("seed", pipeline_xml())
    assert caught.value.status == 400


def test_creating_in_a_missing_folder(client: JenkinsClient) -> None:
    with pytest.raises(errors.UnknownJobError, match="no folder 'data'"):
        client.create_job("data/backup", pipeline_xml())


def test_folders_nest(fake: FakeJenkins, client: JenkinsClient) -> None:
    client.create_job("data", FOLDER_XML)
    client.create_job("data/db", FOLDER_XML)
    client.create_job("data/db/backup", pipeline_xml())
    assert client.job_json("data/db/backup")["fullName"] == "data/db/backup"
    assert fake.posts()[-1].path == "/job/data/job/db/createItem"


# -- CSRF crumbs -------------------------------------------------------------------------

def test_password_auth_fetches_a_crumb_bound_to_the_session(fake: FakeJenkins) -> None:
    fake.token_exempt = True
    client = JenkinsClient(JenkinsSettings(fake.url, "admin", "s3cret-password"))
    client.create_job("seed", pipeline_xml())
    post = fake.posts()[-1]
    assert post.headers["jenkins-crumb"] in fake.sessions.values()
    assert "JSESSIONID.fake" in post.headers["cookie"]


def test_api_tokens_are_exempt_from_csrf(fake: FakeJenkins) -> None:
    fake.drop_cookies = True  # no session: any crumb is invalid
    client = JenkinsClient(JenkinsSettings(fake.url, "admin", fake.token()))
    client.create_job("seed", pipeline_xml())
    assert client.job_json("seed")["name"] == "seed"


def test_missing_crumb_on_old_jenkins(fake: FakeJenkins) -> None:
    fake.token_exempt = False  # before Jenkins 2.96 tokens needed a crumb too
    fake.drop_cookies = True
    client = JenkinsClient(JenkinsSettings(fake.url, "admin", fake.token()))
    with pytest.raises(errors.CrumbError, match="No valid crumb") as caught:
        client.create_job("seed", pipeline_xml())
    assert caught.value.exit_code == 15
    assert "seed" not in fake.state.items


def test_a_stale_crumb_is_fetched_again(fake: FakeJenkins) -> None:
    client = JenkinsClient(JenkinsSettings(fake.url, "admin", "s3cret-password"))
    client.create_job("a", pipeline_xml())
    fake.sessions.clear()  # Jenkins restarted: the session and its crumb are gone
    client.create_job("b", pipeline_xml())
    assert {"a", "b"} <= set(fake.state.items)


def test_csrf_off_means_no_crumb(fake: FakeJenkins) -> None:
    fake.csrf = False
    client = JenkinsClient(JenkinsSettings(fake.url, "admin", "s3cret-password"))
    client.create_job("seed", pipeline_xml())
    assert "jenkins-crumb" not in fake.posts()[-1].headers


# -- transient failures --------------------------------------------------------------------

def test_transient_5xx_is_retried_with_backoff(fake: FakeJenkins) -> None:
    sleeps: list[float] = []
    client = JenkinsClient(JenkinsSettings(fake.url, "admin", fake.token()), sleep=sleeps.append)
    fake.inject("/api/json", 503, times=2)
    assert client.root()["mode"] == "NORMAL"
    assert sleeps == [0.5, 1.0]


def test_connection_resets_are_retried(fake: FakeJenkins) -> None:
    sleeps: list[float] = []
    client = JenkinsClient(JenkinsSettings(fake.url, "admin", fake.token()), sleep=sleeps.append)
    fake.inject("/api/json", "reset", times=1)
    assert client.root()["mode"] == "NORMAL"
    assert sleeps == [0.5]


def test_retries_are_bounded(fake: FakeJenkins) -> None:
    sleeps: list[float] = []
    client = JenkinsClient(JenkinsSettings(fake.url, "admin", fake.token()), sleep=sleeps.append,
                           retry=RetryPolicy(attempts=3))
    fake.inject("/api/json", 502, times=10)
    with pytest.raises(errors.ServerError, match="after 3 attempts: GET /api/json") as caught:
        client.root()
    assert caught.value.exit_code == 17
    assert sleeps == [0.5, 1.0]


def test_a_500_to_a_post_is_not_retried(fake: FakeJenkins, client: JenkinsClient) -> None:
    client.root()
    with pytest.raises(errors.ServerError, match=r"Unable to read config\.xml"):
        client.create_job("broken", "<flow-definition>")
    assert len([r for r in fake.posts() if "createItem" in r.path]) == 1


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1, made by openssl."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = str(folder / "cert.pem"), str(folder / "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", key, "-out", cert],
        check=True, capture_output=True,
    )
    return cert, key


def test_an_untrusted_certificate_is_a_tls_error(certificate: tuple[str, str]) -> None:
    with FakeJenkins(tls=certificate).serve() as fake:
        client = JenkinsClient(JenkinsSettings(fake.url, "admin", fake.token()))
        with pytest.raises(errors.TLSError, match="CERTIFICATE_VERIFY_FAILED"):
            client.root()


def test_a_ca_bundle_makes_it_trusted(certificate: tuple[str, str]) -> None:
    with FakeJenkins(tls=certificate).serve() as fake:
        client = JenkinsClient(JenkinsSettings(fake.url, "admin", fake.token(),
                                               verify=certificate[0]))
        assert client.root()["mode"] == "NORMAL"
        insecure = JenkinsClient(JenkinsSettings(fake.url, "admin", fake.token(), verify=False))
        assert insecure.root()["mode"] == "NORMAL"

from __future__ import annotations

import pytest

from jobsmith.seed.connection import JenkinsClient
from jobsmith.seed.console import ConsoleStream
from jobsmith.seed.deploy import Followed, Queued, deploy, run_and_follow
from jobsmith.seed.errors import BuildFailedError, JenkinsRequestError, UnknownJobError
from jobsmith.seed.seed_job import SeedJob, apply_seed_job
from tests.seed.conftest import pipeline_xml, string_param
from tests.seed.fake_jenkins import FakeJenkins
from tests.seed.fake_state import BuildPlan


@pytest.fixture
def seeded(fake: FakeJenkins, client: JenkinsClient) -> FakeJenkins:
    apply_seed_job(client, SeedJob("https://git.example.com/jobs.git"))
    return fake


def test_deploy_follows_the_seed_from_queue_to_success(seeded: FakeJenkins,
                                                       client: JenkinsClient) -> None:
    seeded.state.items["seed"].plans.append(BuildPlan(
        chunks=["Started\n", "+ jobsmith validate jobs\n", "Added items:\n", "Finished: SUCCESS\n"],
        queue_ticks=2,
    ))
    console: list[str] = []
    progress: list[str] = []
    outcome = deploy(client, sleep=seeded.tick, poll=1.0, write_console=console.append,
                     on_progress=progress.append)
    assert isinstance(outcome, Followed)
    assert (outcome.number, outcome.result) == (1, "SUCCESS")
    assert "".join(console) == ("Started\n+ jobsmith validate jobs\nAdded items:\n"
                                "Finished: SUCCESS\n")
    assert progress[0] == "seed: queued as item 1"
    assert progress[1] == "seed: queued (Waiting for next available executor)"
    assert progress[2].startswith("seed: build #1 started (http://127.0.0.1:")
    assert progress[-1] == "seed: build #1 finished: SUCCESS in 3s"  # on the fake clock
    reads = [r for r in seeded.requests if r.path.endswith("progressiveText")]
    offsets = [int(r.query["start"]) for r in reads]
    assert offsets[0] == 0
    assert offsets == sorted(offsets)  # each read starts where the last one stopped
    assert offsets[-1] < len("".join(console).encode())


def test_a_failed_seed_fails_deploy(seeded: FakeJenkins, client: JenkinsClient) -> None:
    seeded.state.items["seed"].plans.append(BuildPlan(
        chunks=["jobs/data/x.yaml:3:1: unknown key 'comand'; did you mean 'command'?\n",
                "Finished: FAILURE\n"], result="FAILURE"))
    console: list[str] = []
    with pytest.raises(BuildFailedError, match=r"seed #1 ended FAILURE") as caught:
        deploy(client, sleep=seeded.tick, write_console=console.append)
    assert caught.value.exit_code == 21
    assert "unknown key 'comand'" in "".join(console)


def test_no_wait_returns_once_queued(seeded: FakeJenkins, client: JenkinsClient) -> None:
    seeded.state.items["seed"].plans.append(BuildPlan(queue_ticks=5))
    outcome = deploy(client, wait=False, sleep=seeded.tick)
    assert outcome == Queued("seed", 1)
    assert seeded.state.queue[1].build is None


def test_a_cancelled_queue_item(seeded: FakeJenkins, client: JenkinsClient) -> None:
    seeded.state.items["seed"].plans.append(BuildPlan(queue_ticks=3))

    def cancel_then_tick(seconds: float) -> None:
        seeded.state.cancel(1)
        seeded.tick(seconds)

    with pytest.raises(BuildFailedError, match="cancelled") as caught:
        deploy(client, sleep=cancel_then_tick)
    assert caught.value.exit_code == 24


def test_a_disabled_seed_is_refused(fake: FakeJenkins, client: JenkinsClient) -> None:
    client.create_job("seed", pipeline_xml(disabled=True))
    with pytest.raises(JenkinsRequestError, match="disabled"):
        deploy(client, sleep=fake.tick)
    assert not any(r.path.endswith("/build") for r in fake.posts())


def test_deploy_without_a_seed_job(client: JenkinsClient, fake: FakeJenkins) -> None:
    with pytest.raises(UnknownJobError, match="no job 'seed'"):
        deploy(client, sleep=fake.tick)


def test_unstable_and_aborted_have_their_own_status(fake: FakeJenkins,
                                                   client: JenkinsClient) -> None:
    client.create_job("job", pipeline_xml())
    codes = []
    for result in ("UNSTABLE", "ABORTED", "NOT_BUILT"):
        fake.state.items["job"].plans.append(BuildPlan(result=result))
        with pytest.raises(BuildFailedError) as caught:
            run_and_follow(client, "job", None, sleep=fake.tick)
        codes.append(caught.value.exit_code)
    assert codes == [20, 22, 23]


def test_console_survives_a_character_split_across_reads(fake: FakeJenkins,
                                                         client: JenkinsClient) -> None:
    client.create_job("job", pipeline_xml())
    euro = "€".encode()
    build = fake.state.add_build("job", None)
    build.log = b"price: " + euro[:1]
    stream = ConsoleStream(client, "job", build.number)
    out: list[str] = []
    assert stream.read(out.append) is True
    build.log += euro[1:] + b" 5\n"
    build.result = "SUCCESS"
    assert stream.read(out.append) is False
    assert "".join(out) == "price: € 5\n"
    assert stream.offset == len(build.log)


def test_a_seed_job_with_parameters_runs_with_their_defaults(fake: FakeJenkins,
                                                              client: JenkinsClient) -> None:
    client.create_job("seed", pipeline_xml(string_param("SPECS", "jobs")))
    outcome = deploy(client, sleep=fake.tick)
    assert isinstance(outcome, Followed)
    assert fake.posts()[-1].path == "/job/seed/buildWithParameters"
    assert fake.state.items["seed"].builds[1].parameters == {"SPECS": "jobs"}

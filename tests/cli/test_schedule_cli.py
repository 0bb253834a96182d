"""`jobsmith schedule` over a small spec tree."""

import json

from click.testing import CliRunner

from jobsmith.cli.app import cli


def write(root, name, text):
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def tree(tmp_path, herd=0):
    write(tmp_path, "data/backup.yaml", "schedule: H 2 * * *\ncommand: ./backup\n")
    write(
        tmp_path,
        "data/sync.yaml",
        "schedule: H/30 * * * *\ntimezone: Europe/Berlin\ncommand: ./sync\n",
    )
    write(tmp_path, "manual.yaml", "command: ./by-hand\n")
    write(tmp_path, "old.yaml", "schedule: '@daily'\ndisabled: true\ncommand: ./old\n")
    for i in range(herd):
        write(tmp_path, f"herd/job{i}.yaml", "schedule: 0 3 * * *\ncommand: ./x\n")
    return tmp_path


def run(*args):
    return CliRunner().invoke(cli, ["schedule", *args])


def test_table(tmp_path):
    result = run(str(tree(tmp_path)), "--from", "2026-03-28T00:00:00Z", "--hours", "6")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.splitlines()[0].split() == ["JOB", "RUNS", "FOLDED", "DROPPED", "MAX", "WAIT",
                                           "LATE", "STARTS", "(UTC)"]
    rows = {line.split()[0]: line.split() for line in out.splitlines()[1:3]}
    assert rows["data/sync"][1] == "12" and rows["data/backup"][1] == "1"
    assert "AGENTS" in out and "unlimited" in out
    assert "manual" not in out
    assert "disabled (no runs): old" in out
    assert result.stderr == ""


def test_json_with_herd_warning(tmp_path):
    result = run(str(tree(tmp_path, herd=5)), "--from", "2026-03-28T00:00:00Z", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    names = [job["full_name"] for job in data["jobs"]]
    assert names == ["data/backup", "data/sync", *[f"herd/job{i}" for i in range(5)]]
    assert data["disabled"] == ["old"]
    herds = [w for w in data["warnings"] if w["kind"] == "herd"]
    assert len(herds) == 1 and "5 jobs with a fixed minute" in herds[0]["message"]
    assert {run["job"] for run in data["runs"]} == {"data/backup", "data/sync",
                                                   *[f"herd/job{i}" for i in range(5)]}
    assert data["labels"] == [{"label": "any", "agents": None, "executors": 1, "peak_busy": 5,
                               "wait_p95_s": 0, "advice": 5, "runs": 54}]
    assert data["jobs"][1]["spec"] == "TZ=Europe/Berlin\nH/30 * * * *"
    assert len(data["jobs"][1]["runs"]) == 48


def test_svg_to_file_warns_on_stderr(tmp_path):
    root = tree(tmp_path / "specs", herd=6)
    out = tmp_path / "chart.svg"
    result = run(str(root), "--from", "2026-03-28T00:00:00Z", "--format", "svg", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("<svg")
    assert result.stdout == ""
    assert result.stderr.startswith("warning: 6 jobs with a fixed minute")


def test_bad_tree_and_bad_options(tmp_path):
    write(tmp_path, "bad.yaml", "schedule: 61 * * * *\ncommand: ./x\n")
    result = run(str(tmp_path))
    assert result.exit_code == 2 and "61 is an invalid value" in result.stderr
    assert run(str(tmp_path), "--hours", "0").exit_code == 2
    assert run(str(tmp_path), "--format", "png").exit_code == 2


def test_forecast_with_agents_and_durations(tmp_path):
    root = tree(tmp_path / "specs", herd=3)
    durations = tmp_path / "durations.csv"
    durations.write_text("job,seconds\nherd/job0,600\nherd/job1,10m\nherd/job2,600\n")
    result = run(str(root), "--from", "2026-03-28T00:00:00Z", "--hours", "6", "--format",
                 "json", "--agents", "linux=2", "--durations", str(durations),
                 "--max-wait", "5m")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    herd = [run for run in data["runs"] if run["job"].startswith("herd/")]
    assert [(r["job"], r["start"], r["end"], r["wait_s"]) for r in herd] == [
        ("herd/job0", "2026-03-28T03:00:00Z", "2026-03-28T03:10:00Z", 0),
        ("herd/job1", "2026-03-28T03:00:00Z", "2026-03-28T03:10:00Z", 0),
        ("herd/job2", "2026-03-28T03:10:00Z", "2026-03-28T03:20:00Z", 600),
    ]
    assert data["labels"][0]["label"] == "linux" and data["labels"][0]["agents"] == 2
    # data/sync (H/30 -> :02 and :32, 2 minutes by default) comes at 03:02: with three
    # agents it still waits 8 minutes for the herd; a fourth agent makes it wait none.
    sync = next(r for r in data["runs"] if r["due"] == "2026-03-28T03:02:00Z")
    assert (sync["start"], sync["wait_s"]) == ("2026-03-28T03:10:00Z", 480)
    assert data["labels"][0]["advice"] == 4


def test_bad_agents_and_durations(tmp_path):
    root = tree(tmp_path / "specs")
    result = run(str(root), "--agents", "linux")
    assert result.exit_code == 2 and "LABELS=N" in result.stderr
    bad = tmp_path / "d.csv"
    bad.write_text("data/backup,soon\n")
    result = run(str(root), "--durations", str(bad))
    assert result.exit_code == 2 and "d.csv:1" in result.stderr


def test_the_examples_table_fits_a_terminal_and_counts_in_words(tmp_path):
    result = run("examples/jobs", "--from", "2026-03-28T00:00:00Z", "--hours", "6")
    assert result.exit_code == 0, result.output
    assert max(len(line) for line in result.stdout.splitlines()) < 100
    write(tmp_path, "one.yaml", "schedule: 30 2 * * *\ncommand: ./x\n")
    one = run(str(tmp_path), "--from", "2026-03-28T00:00:00Z", "--hours", "6")
    assert "1 scheduled job, 1 run from 2026-03-28 00:00 to 2026-03-28 06:00 UTC" in one.stdout


def test_no_advice_keeps_the_rest(tmp_path):
    root = tree(tmp_path / "specs", herd=3)
    args = [str(root), "--from", "2026-03-28T00:00:00Z", "--hours", "6", "--format", "json",
            "--agents", "linux=2"]
    with_advice = json.loads(run(*args).stdout)
    without = json.loads(run(*args, "--no-advice").stdout)
    assert [label["advice"] for label in without["labels"]] == [None]
    assert without["runs"] == with_advice["runs"]

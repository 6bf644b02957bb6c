"""`captain preview` (SPEC §11) through the CLI over a real git repository: a branch's
preview deployed once per head, listed, taken down, and the mainline refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from release_captain.cli import app
from release_captain.testing_git import commit, git, init_repo

PIPELINE = """
[pipeline]
name = "pv"

[[sources]]
name = "app"
repo = "repo"

[build]
run = ["cp app.txt \\"$CAPTAIN_OUT/app.txt\\""]
artefacts = ["app.txt"]

[defaults]
deploy = "true"

[[stages]]
name = "beta"
targets = ["local"]

[preview]
deploy = "sh preview.sh"
teardown = "sh teardown.sh"
branches = ["Feature/*", "fix-*"]
"""

PREVIEW = """
mkdir -p out
cp "$CAPTAIN_ARTEFACTS/app.txt" "out/$CAPTAIN_PREVIEW"
echo "$CAPTAIN_ACTION $CAPTAIN_PREVIEW $CAPTAIN_COMMIT [$CAPTAIN_VERSION]" >> out/calls
[ -f fail-deploy ] && exit 4
echo "http://127.0.0.1:8123/" > "$CAPTAIN_PREVIEW_URL_FILE"
"""

TEARDOWN = """
echo "$CAPTAIN_ACTION $CAPTAIN_PREVIEW $CAPTAIN_COMMIT" >> out/calls
rm -f "out/$CAPTAIN_PREVIEW"
"""

BRANCH = "Feature/Login_Page"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    repo = init_repo(tmp_path / "repo")
    commit(repo, {"app.txt": "mainline\n"}, "first")
    git(repo, "checkout", "-q", "-b", BRANCH)
    commit(repo, {"app.txt": "login page 1\n"}, "login page")
    git(repo, "checkout", "-q", "main")
    (tmp_path / "pipeline.toml").write_text(PIPELINE)
    (tmp_path / "preview.sh").write_text(PREVIEW)
    (tmp_path / "teardown.sh").write_text(TEARDOWN)
    return tmp_path


def invoke(project: Path, *args: str) -> Result:
    return CliRunner().invoke(app, [*args, "-c", str(project / "pipeline.toml")])


def head(project: Path, branch: str) -> str:
    return git(project / "repo", "rev-parse", branch).strip()


def calls(project: Path) -> list[str]:
    return (project / "out" / "calls").read_text().splitlines()


def test_a_branch_with_an_unsafe_name_gets_a_safe_preview_with_its_url(project: Path) -> None:
    done = invoke(project, "preview", BRANCH)
    assert done.exit_code == 0, done.output
    sha = head(project, BRANCH)
    assert done.stdout.splitlines() == [
        f"preview feature-login-page deployed {BRANCH} at {sha[:12]}",
        "http://127.0.0.1:8123/",
    ]
    # built from the branch's head, no version number, the safe name
    assert calls(project) == [f"preview feature-login-page {sha} []"]
    assert (project / "out" / "feature-login-page").read_text() == "login page 1\n"
    versions = json.loads(invoke(project, "versions", "--json").stdout)
    assert versions == [], "a preview never takes a vN"


def test_the_same_head_again_does_nothing_and_a_new_head_redeploys(project: Path) -> None:
    assert invoke(project, "preview", BRANCH).exit_code == 0
    again = invoke(project, "preview", BRANCH)
    assert again.exit_code == 0
    assert "already runs" in again.stdout
    assert len(calls(project)) == 1
    git(project / "repo", "checkout", "-q", BRANCH)
    new = commit(project / "repo", {"app.txt": "login page 2\n"}, "second")
    third = invoke(project, "preview", BRANCH)
    assert third.exit_code == 0, third.output
    assert "deployed" in third.stdout
    assert calls(project)[-1] == f"preview feature-login-page {new} []"
    assert (project / "out" / "feature-login-page").read_text() == "login page 2\n"


def test_list_json_has_the_fields_of_the_spec(project: Path) -> None:
    assert json.loads(invoke(project, "preview", "--list", "--json").stdout) == []
    invoke(project, "preview", BRANCH)
    listed = json.loads(invoke(project, "preview", "--list", "--json").stdout)
    assert len(listed) == 1
    item = listed[0]
    assert set(item) == {"branch", "preview", "commit", "url", "state", "updated_at"}
    assert (item["branch"], item["preview"], item["state"], item["url"]) == (
        BRANCH,
        "feature-login-page",
        "deployed",
        "http://127.0.0.1:8123/",
    )
    assert item["commit"] == head(project, BRANCH)
    assert item["updated_at"].endswith("Z")


def test_down_runs_the_teardown_and_forgets_the_preview(project: Path) -> None:
    invoke(project, "preview", BRANCH)
    done = invoke(project, "preview", "--down", BRANCH)
    assert done.exit_code == 0, done.output
    assert calls(project)[-1] == f"teardown feature-login-page {head(project, BRANCH)}"
    assert not (project / "out" / "feature-login-page").exists()
    assert json.loads(invoke(project, "preview", "--list", "--json").stdout) == []
    again = invoke(project, "preview", "--down", BRANCH)
    assert again.exit_code == 3
    assert again.stderr == f"captain: branch '{BRANCH}' has no preview\n"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("main",), 2, "'main' is the mainline"),
        (("other",), 2, "matches none of preview.branches ('Feature/*', 'fix-*')"),
        (("fix-gone",), 3, "no branch 'fix-gone' in repo"),
        ((), 2, "give one of BRANCH, --list or --down BRANCH"),
        ((BRANCH, "--json"), 2, "--json goes with --list"),
    ],
)
def test_refusals_are_one_sentence_with_their_exit_code(
    project: Path, args: tuple[str, ...], code: int, message: str
) -> None:
    done = invoke(project, "preview", *args)
    assert done.exit_code == code
    assert message in done.stderr and done.stderr.count("\n") == 1
    assert not (project / "out").exists()


def test_a_failed_deploy_exits_1_and_is_recorded_failed(project: Path) -> None:
    (project / "fail-deploy").write_text("")
    done = invoke(project, "preview", BRANCH)
    assert done.exit_code == 1
    assert "deploy exited 4" in done.stderr
    listed = json.loads(invoke(project, "preview", "--list", "--json").stdout)
    assert listed[0]["state"] == "failed"
    (project / "fail-deploy").unlink()
    assert invoke(project, "preview", BRANCH).exit_code == 0, "a person's retry deploys again"


def test_the_plain_list_never_cuts_the_name_or_the_url(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a narrow terminal or a pipe the branch wraps; the preview's name and URL, what
    a person copies, stay whole."""
    monkeypatch.setenv("COLUMNS", "60")
    assert invoke(project, "preview", BRANCH).exit_code == 0
    listed = invoke(project, "preview", "--list").stdout
    assert "feature-login-page" in listed and "http://127.0.0.1:8123/" in listed


@pytest.mark.slow
def test_a_preview_deploy_a_killed_captain_left_running_is_ended_before_the_next(
    project: Path,
) -> None:
    """SIGKILL `captain preview` mid-deploy: the deploy's process group outlives it.
    The next `captain preview` of that branch ends it before deploying again, so two
    deploys of one preview never run at once (rule R10)."""
    import signal
    import subprocess
    import sys
    import time

    slow = PREVIEW.replace(
        "mkdir -p out\n",
        "mkdir -p out\n[ -f slow ] && { echo $$ > out/slow.pid; exec sleep 300; }\n",
    )
    (project / "preview.sh").write_text(slow)
    (project / "slow").write_text("")
    argv = [sys.executable, "-m", "release_captain", "preview", BRANCH]
    first = subprocess.Popen(
        argv, cwd=project, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    pid_file = project / "out" / "slow.pid"
    deadline = time.monotonic() + 60
    while not pid_file.exists() or not pid_file.read_text().strip():
        assert time.monotonic() < deadline, "the slow deploy never started"
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.wait()
    leftover = int(pid_file.read_text())
    assert alive(leftover)  # the cut-off deploy still runs

    (project / "slow").unlink()
    done = subprocess.run(argv, cwd=project, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert not alive(leftover), "the cut-off deploy was left running"
    listed = json.loads(invoke(project, "preview", "--list", "--json").stdout)
    assert [row["state"] for row in listed] == ["deployed"]


def alive(pid: int) -> bool:
    """Whether `pid` still runs (an ended process its new parent has not reaped yet is
    a zombie: it runs nothing)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return False
    return fields[0] != "Z"

"""The CLI in pipes and scripts (issue 13, item 5): quiet on a closed pipe, `rollback
--json` prints its JSON even when waiting times out, `where` takes a version, and the
history does not name the actor twice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from release_captain.cli import app
from release_captain.testing import harness
from release_captain.testing_git import init_repo
from tests.integration.conftest import Project

PIPELINE = """
[pipeline]
name = "pipes"

[[sources]]
name = "app"
repo = "repo"

[defaults]
deploy = "deploy"

[[stages]]
name = "beta"
targets = ["local"]
approvals = [{ name = "check", run = "check" }]
"""


@pytest.fixture
def recorded(tmp_path: Path) -> Path:
    """A state with two versions that passed beta (a scripted engine ran them)."""
    h = harness(tmp_path, PIPELINE, script={"deploy": 0, "check": 0})
    for sha in ("aaaa1111", "bbbb2222"):
        h.sources["app"].commit_to(sha, message=f"change {sha}")
        h.announce_commit()
        h.settle()
    h.store.close()
    return tmp_path


def invoke(project: Path, *args: str) -> Result:
    return CliRunner().invoke(app, [*args, "-c", str(project / "pipeline.toml")])


def into_closed_pipe(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `captain ARGS` with stdout a pipe whose reader is already gone (`| head`)."""
    read, write = os.pipe()
    os.close(read)
    try:
        return subprocess.run(
            [sys.executable, "-m", "release_captain", *args],
            cwd=folder,
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    finally:
        os.close(write)


@pytest.mark.parametrize(
    "args",
    [
        ["history", "--json"],
        ["history"],
        ["versions", "--json"],
        ["versions"],
        ["status"],
        ["logs", "v1", "beta/local"],
        ["where", "aaaa1111", "--json"],
        ["blockers"],
        ["schema"],
    ],
)
def test_a_closed_pipe_ends_a_command_quietly_with_exit_0(recorded: Path, args: list[str]) -> None:
    done = into_closed_pipe(recorded, *args)
    assert (done.returncode, done.stderr) == (0, "")


def test_where_takes_a_version_as_every_command_does(recorded: Path) -> None:
    by_commit = json.loads(invoke(recorded, "where", "aaaa1111", "--json").stdout)
    for text in ("v1", "1", "aaaa"):
        done = invoke(recorded, "where", text, "--json")
        assert done.exit_code == 0, done.output
        assert json.loads(done.stdout) == by_commit
    assert json.loads(invoke(recorded, "where", "v2", "--json").stdout)["version"] == "v2"


def test_where_refuses_an_unknown_version_and_nonsense_with_one_sentence(
    recorded: Path,
) -> None:
    missing = invoke(recorded, "where", "v9")
    assert missing.exit_code == 3 and "there is no version v9" in missing.stderr
    nonsense = invoke(recorded, "where", "zz")
    assert nonsense.exit_code == 2 and "is not a commit SHA" in nonsense.stderr


ROLLBACK_PIPELINE = """
[pipeline]
name = "rb"

[[sources]]
name = "app"
repo = "repo"

[build]
run = ["cp app.txt \\"$CAPTAIN_OUT/app.txt\\""]
artefacts = ["app.txt"]

[defaults]
deploy = "sh deploy.sh"
timeout = "60s"

[[stages]]
name = "beta"
targets = ["one"]
"""

#: A deploy that takes its time: a rollback once `slow-rollback` exists, a deploy once
#: `slow-deploy` does.
DEPLOY = """
[ -f slow-rollback ] && [ "$CAPTAIN_ACTION" = rollback ] && sleep 15
[ -f slow-deploy ] && [ "$CAPTAIN_ACTION" = deploy ] && sleep 15
exit 0
"""


@pytest.fixture
def two_versions(tmp_path: Path) -> Project:
    project = Project(root=tmp_path, repo=init_repo(tmp_path / "repo"))
    (tmp_path / "pipeline.toml").write_text(ROLLBACK_PIPELINE)
    (tmp_path / "deploy.sh").write_text(DEPLOY)
    for n in (1, 2):
        project.commit(f"v{n}", **{"app.txt": f"content {n}\n"})
        done = project.captain("run", "--headless", "--until-idle", timeout=120)
        assert done.returncode == 0, done.stderr
    return project


@pytest.mark.slow
def test_rollback_json_prints_the_rollbacks_even_when_waiting_times_out(
    two_versions: Project,
) -> None:
    (two_versions.root / "slow-rollback").write_text("")
    engine = two_versions.start()
    try:
        two_versions.wait_for(lambda: two_versions.status()["engine"]["running"], what="the engine")
        done = two_versions.captain("rollback", "beta/one", "--json", "--timeout", "4")
    finally:
        engine.terminate()
        engine.wait(timeout=30)
    assert done.returncode == 4, done.stderr
    assert done.stderr.count("\n") == 1 and "did not finish within 4s" in done.stderr
    assert json.loads(done.stdout) == {
        "rollbacks": [
            {"stage": "beta", "target": "one", "from": "v2", "to": "v1", "state": "running"}
        ]
    }


@pytest.mark.slow
def test_history_names_the_actor_of_a_rollback_once(two_versions: Project) -> None:
    (two_versions.root / "slow-deploy").write_text("")
    two_versions.commit("v3", **{"app.txt": "content 3\n"})
    engine = two_versions.start()
    try:
        two_versions.wait_for(
            lambda: two_versions.status()["stages"][0]["in_flight"] == "v3", what="v3 in beta"
        )
        done = two_versions.captain("rollback", "beta/one", "--reason", "bad")
        assert done.returncode == 0, done.stderr
    finally:
        engine.terminate()
        engine.wait(timeout=30)
    history = two_versions.captain("history", "--stage", "beta").stdout
    assert "pre-empted" in history
    by = [line for line in history.splitlines() if " by " in line and "step.started" not in line]
    assert by and all(line.count(" by ") == 1 for line in by), history

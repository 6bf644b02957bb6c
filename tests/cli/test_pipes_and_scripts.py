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

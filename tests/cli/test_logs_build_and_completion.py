"""`captain logs VERSION build`, `logs --follow` in a pipe and on Ctrl-C, and shell
completion of stages, targets and versions through typer's own protocol (SPEC §6,
issue 13 items 5 and 7)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from release_captain.cli import app
from release_captain.testing import harness

PIPELINE = """
[pipeline]
name = "complete"

[[sources]]
name = "app"
repo = "repo"

[build]
run = ["make"]

[defaults]
deploy = "deploy"

[[stages]]
name = "beta"
targets = ["local", "other"]
approvals = [{ name = "soak", wait = "10m" }]

[[stages]]
name = "gamma"
targets = ["us-east-1"]
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """Two versions built; v2 soaks on beta (its soak is recorded as running)."""
    h = harness(tmp_path, PIPELINE, script={"make": 0, "deploy": 0})
    for sha in ("aaaa1111", "bbbb2222"):
        h.sources["app"].commit_to(sha, message=f"change {sha}")
        h.announce_commit()
        h.settle()
        if sha == "aaaa1111":
            h.advance(600)
    h.store.record_version(
        heads={"app": "cccc3333"}, primary="app", commits=[], author="Ada", message="m", now=1.0
    )
    h.reconciler.stop()
    h.store.close()
    return tmp_path


def captain(project: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "release_captain", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
    )


def test_logs_build_prints_the_builds_output(project: Path) -> None:
    done = CliRunner().invoke(app, ["logs", "v1", "build", "-c", str(project / "pipeline.toml")])
    assert done.exit_code == 0, done.output
    assert done.stdout.startswith("==> build: succeeded")
    assert "$ make\n# exited 0\n" in done.stdout


def test_logs_build_of_a_version_not_yet_built_is_one_sentence_and_exit_3(
    project: Path,
) -> None:
    done = captain(project, "logs", "v3", "build", "--follow")
    assert done.returncode == 3
    assert done.stderr == (
        "captain: the build of v3 has not started (pending); it starts once the builds "
        "before it end\n"
    )


def test_following_into_a_pipe_its_reader_closed_ends_quietly_while_nothing_is_new(
    project: Path,
) -> None:
    child = subprocess.Popen(
        [sys.executable, "-m", "release_captain", "logs", "v2", "beta/local", "-f"],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdout is not None and child.stderr is not None
    assert child.stdout.readline() == b"==> deploy: passed exited 0\n"
    child.stdout.close()  # `| head -1`: the soak runs on, nothing more is printed
    assert child.wait(timeout=30) == 0
    assert child.stderr.read() == b""


def test_ctrl_c_ends_following_quietly(project: Path) -> None:
    child = subprocess.Popen(
        [sys.executable, "-m", "release_captain", "logs", "v2", "beta/local", "-f"],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdout is not None and child.stderr is not None
    while b"soak: running" not in child.stdout.readline():
        pass
    child.send_signal(signal.SIGINT)
    assert child.wait(timeout=30) == 0
    assert child.stderr.read() == b""


#: The installed command: the completion protocol's variables are named after it.
CAPTAIN = str(Path(sys.executable).parent / "captain")


def complete(project: Path | None, words: str, cwd: Path, **env: str) -> list[str]:
    """What bash is offered for the last word of `words` (typer's bash protocol)."""
    done = subprocess.run(
        [CAPTAIN],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env={
            **os.environ,
            **env,
            "_CAPTAIN_COMPLETE": "complete_bash",
            "COMP_WORDS": words,
            "COMP_CWORD": str(len(words.split(" ")) - 1),
        },
    )
    assert done.returncode == 0 and done.stderr == "", done.stderr
    return done.stdout.split()


@pytest.mark.parametrize(
    ("words", "offered"),
    [
        ("captain approve ", ["beta", "gamma"]),
        ("captain pause g", ["gamma"]),
        ("captain logs ", ["v3", "v2", "v1"]),
        ("captain logs 2", ["2"]),
        ("captain logs v1 ", ["build", "beta/local", "beta/other", "gamma/us-east-1"]),
        ("captain rollback be", ["beta", "beta/local", "beta/other"]),
        ("captain rollback beta/local --to ", ["v3", "v2", "v1"]),
        ("captain reject beta --version v", ["v3", "v2", "v1"]),
        ("captain where ", ["v3", "v2", "v1"]),
        ("captain history --stage beta --target ", ["local", "other"]),
        ("captain history --target ", ["local", "other", "us-east-1"]),
    ],
)
def test_arguments_complete_from_the_pipeline_and_the_state(
    project: Path, words: str, offered: list[str]
) -> None:
    assert complete(project, words, project) == offered


def test_completion_reads_the_pipeline_named_on_the_line_or_in_the_environment(
    project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    config = str(project / "pipeline.toml")
    assert complete(project, f"captain resume -c {config} ", elsewhere) == ["beta", "gamma"]
    assert complete(project, "captain resume ", elsewhere, CAPTAIN_CONFIG=config) == [
        "beta",
        "gamma",
    ]


def test_completion_offers_nothing_and_creates_nothing_without_a_pipeline_or_state(
    tmp_path: Path,
) -> None:
    assert complete(None, "captain approve ", tmp_path) == []
    (tmp_path / "pipeline.toml").write_text(PIPELINE)
    assert complete(None, "captain logs ", tmp_path) == []
    assert complete(None, "captain approve ", tmp_path) == ["beta", "gamma"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipeline.toml"]
    (tmp_path / "pipeline.toml").write_text("[pipeline\n")
    assert complete(None, "captain approve ", tmp_path) == []


def test_zsh_completion_offers_the_same_names(project: Path) -> None:
    done = subprocess.run(
        [CAPTAIN],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
        env={
            **os.environ,
            "_CAPTAIN_COMPLETE": "complete_zsh",
            "_TYPER_COMPLETE_ARGS": "captain approve ",
        },
    )
    assert done.returncode == 0 and done.stderr == ""
    assert '"beta"' in done.stdout and '"gamma"' in done.stdout


def test_show_completion_prints_the_script_for_the_shell(project: Path) -> None:
    for shell, marker in (("bash", "_CAPTAIN_COMPLETE=complete_bash"), ("zsh", "compdef")):
        done = subprocess.run(
            [CAPTAIN, "--show-completion", shell],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"},
        )
        assert done.returncode == 0, done.stderr
        assert marker in done.stdout

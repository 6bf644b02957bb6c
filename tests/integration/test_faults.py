"""Faults a user will meet: each gives one clear sentence, and nothing recorded is lost."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import time

import pytest

from tests.integration.conftest import Project

pytestmark = pytest.mark.slow

PIPELINE = """
[pipeline]
name = "faults"
state_dir = "{state_dir}"

[[sources]]
name = "app"
repo = "repo"
poll = "200ms"

[build]
run = ["cp app.txt \\"$CAPTAIN_OUT/app.txt\\""]
artefacts = ["app.txt"]

[defaults]
deploy = "{deploy}"

[[stages]]
name = "beta"
targets = ["local"]

[[stages]]
name = "prod"
promotion = "manual"
targets = ["r1"]
"""

DEPLOY = 'echo "$CAPTAIN_STAGE $(cat $CAPTAIN_ARTEFACTS/app.txt)" >> deployed'


def write(project: Project, *, state_dir: str = ".captain", deploy: str = DEPLOY) -> None:
    text = PIPELINE.replace("{state_dir}", state_dir).replace(
        "{deploy}", deploy.replace('"', '\\"')
    )
    (project.root / "pipeline.toml").write_text(text)


def history(project: Project) -> list[dict]:
    done = project.captain("history", "--json")
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def one_sentence(stderr: str) -> str:
    assert "Traceback" not in stderr
    assert stderr.count("\n") == 1, stderr
    return stderr


def test_a_state_directory_that_cannot_be_written(project: Project) -> None:
    (project.root / "occupied").write_text("a file where a folder should be")
    write(project, state_dir="occupied/state")
    for command in (["status"], ["run", "--headless", "--until-idle"]):
        done = project.captain(*command)
        assert done.returncode == 2
        assert "cannot create the state directory" in one_sentence(done.stderr)


def test_a_database_locked_by_another_program(project: Project) -> None:
    write(project)
    project.commit("first", **{"app.txt": "1\n"})
    assert project.captain("run", "--headless", "--until-idle").returncode == 0
    before = len(history(project))
    other = sqlite3.connect(project.root / ".captain" / "state.db", isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        env = os.environ | {"CAPTAIN_DB_TIMEOUT": "0.5"}
        import subprocess
        import sys

        done = subprocess.run(
            [sys.executable, "-m", "release_captain", "approve", "prod"],
            cwd=project.root,
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert done.returncode == 3
    assert "locked by another program" in one_sentence(done.stderr)
    assert len(history(project)) == before
    assert project.captain("approve", "prod").returncode == 0


def test_the_engine_holds_while_its_database_is_locked_and_carries_on(
    project: Project, engines: list
) -> None:
    """Issue 12, finding 4 (rule R10): another program holds the database past
    CAPTAIN_DB_TIMEOUT while a deploy runs. The engine says so, keeps the deploy's
    result in memory, and records it once the lock goes: nothing fails, nothing is
    rejected, and the engine goes on running."""
    write(project, deploy="sleep 1; " + DEPLOY)
    project.commit("first", **{"app.txt": "1\n"})
    out = project.root / "engine.out"
    engine = project.start(env={"CAPTAIN_DB_TIMEOUT": "0.3"})
    engines.append(engine)
    project.wait_for(lambda: "step.started" in out.read_text(), what="the deploy to start")
    other = sqlite3.connect(project.root / ".captain" / "state.db", isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        project.wait_for(lambda: "engine.holding" in out.read_text(), what="the engine to hold")
        holding = project.status()["engine"]["holding"]  # status reads beside the lock
        assert holding and "locked by another program" in holding
        time.sleep(1.5)  # the deploy ends while the lock is held
        assert engine.poll() is None, out.read_text()[-2000:]
    finally:
        other.execute("ROLLBACK")
        other.close()
    project.wait_for(
        lambda: (
            next(s for s in project.status()["stages"] if s["name"] == "beta")["passed"] == "v1"
        ),
        what="beta to pass once the lock is gone",
    )
    assert engine.poll() is None, "the engine stopped"
    assert project.status()["engine"]["holding"] is None
    kinds = [e["kind"] for e in history(project)]
    assert "stage.rejected" not in kinds and "step.failed" not in kinds
    assert "locked by another program" in out.read_text()


def test_sigterm_stops_a_holding_engine_at_once_and_nothing_is_lost(
    project: Project, engines: list
) -> None:
    """SIGTERM stops the engine within seconds even while it holds for a locked
    database; what it could not record runs again at the next start."""
    import signal

    write(project, deploy="sleep 0.5; " + DEPLOY)
    project.commit("first", **{"app.txt": "1\n"})
    out = project.root / "engine.out"
    engine = project.start(env={"CAPTAIN_DB_TIMEOUT": "0.3"})
    engines.append(engine)
    project.wait_for(lambda: "step.started" in out.read_text(), what="the deploy to start")
    other = sqlite3.connect(project.root / ".captain" / "state.db", isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        project.wait_for(lambda: "engine.holding" in out.read_text(), what="the engine to hold")
        started = time.monotonic()
        engine.send_signal(signal.SIGTERM)
        assert engine.wait(timeout=10) == 0, out.read_text()[-2000:]
        assert time.monotonic() - started < 5
    finally:
        other.execute("ROLLBACK")
        other.close()
    done = project.captain("run", "--headless", "--until-idle")
    assert done.returncode == 0, done.stderr
    beta = next(s for s in project.status()["stages"] if s["name"] == "beta")
    assert beta["passed"] == "v1"


def test_the_engine_holds_while_its_disk_is_full_and_carries_on(project: Project) -> None:
    """Issue 12, finding 5: a full disk used to kill the engine ('database or disk is
    full') and leave versions failed. The state directory sits on a 2 MB tmpfs filled
    up while the engine runs: it holds, says so, and once there is room the new version
    goes through; nothing fails or is rejected."""
    import subprocess

    small = project.root / "small"
    small.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(small)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.decode().strip()}")
    engine = None
    try:
        write(project, state_dir="small/.captain")
        project.commit("first", **{"app.txt": "1\n"})
        out = project.root / "engine.out"
        engine = project.start()
        beta = lambda: next(s for s in project.status()["stages"] if s["name"] == "beta")  # noqa: E731
        project.wait_for(lambda: beta()["passed"] == "v1", what="v1 to pass beta")
        filler = small / "filler"
        subprocess.run(["dd", "if=/dev/zero", f"of={filler}", "bs=64k"], capture_output=True)
        project.commit("second", **{"app.txt": "2\n"})
        project.wait_for(lambda: "is full" in out.read_text(), what="the engine to hold")
        assert engine.poll() is None, out.read_text()[-2000:]
        filler.unlink()
        project.wait_for(lambda: beta()["passed"] == "v2", what="v2 to pass once there is room")
        assert engine.poll() is None, "the engine stopped"
        kinds = [e["kind"] for e in history(project)]
        assert not {"stage.rejected", "build.failed", "step.failed"} & set(kinds), kinds
    finally:
        if engine is not None:
            engine.terminate()
            engine.wait(timeout=30)
        subprocess.run(["umount", "-l", str(small)], capture_output=True)


def test_a_corrupt_database_is_refused_and_left_as_it_was(project: Project) -> None:
    write(project)
    state = project.root / ".captain"
    state.mkdir()
    junk = b"this is not a database " * 400
    (state / "state.db").write_bytes(junk)
    done = project.captain("run", "--headless", "--until-idle")
    assert done.returncode == 2
    sentence = one_sentence(done.stderr)
    assert "corrupt" in sentence and "move it aside" in sentence
    assert (state / "state.db").read_bytes() == junk


def test_an_altered_artefact_is_never_deployed(project: Project) -> None:
    write(project)
    project.commit("first", **{"app.txt": "genuine\n"})
    assert project.captain("run", "--headless", "--until-idle").returncode == 0
    (stored,) = [p for p in (project.root / ".captain" / "artefacts").glob("*/app.txt")]
    stored.chmod(stat.S_IWUSR | stat.S_IRUSR)
    stored.write_text("tampered\n")
    assert project.captain("approve", "prod").returncode == 0
    done = project.captain("run", "--headless", "--until-idle")
    assert done.returncode == 1  # SPEC §9: v1 was rejected in prod during the run
    assert "altered" in done.stdout
    assert (project.root / "deployed").read_text() == "beta genuine\n", "wrong bytes ran"
    kinds = [e["kind"] for e in history(project)]
    assert "stage.rejected" in kinds


def test_a_missing_artefact_fails_the_deployment(project: Project) -> None:
    write(project)
    project.commit("first", **{"app.txt": "genuine\n"})
    assert project.captain("run", "--headless", "--until-idle").returncode == 0
    for folder in (project.root / ".captain" / "artefacts").iterdir():
        shutil.rmtree(folder)
    assert project.captain("approve", "prod").returncode == 0
    done = project.captain("run", "--headless", "--until-idle")
    assert "missing from the store" in done.stdout
    assert (project.root / "deployed").read_text() == "beta genuine\n"


def test_the_source_repository_gone_leaves_the_stages_served(
    project: Project, engines: list
) -> None:
    write(project)
    project.commit("first", **{"app.txt": "1\n"})
    engines.append(project.start())
    project.wait_for(
        lambda: (
            (
                next(s for s in project.status()["stages"] if s["name"] == "prod")["waiting"] or {}
            ).get("reason")
            == "manual-approval"
        ),
        what="prod to wait",
    )
    project.repo.rename(project.root / "moved-away")
    project.wait_for(
        lambda: any(e["kind"] == "source.unavailable" for e in history(project)),
        what="the engine to say the source is gone",
    )
    assert project.captain("approve", "prod").returncode == 0
    project.wait_for(
        lambda: (
            next(s for s in project.status()["stages"] if s["name"] == "prod")["passed"] == "v1"
        ),
        what="prod to take v1 while the source is gone",
    )
    (project.root / "moved-away").rename(project.repo)
    project.wait_for(
        lambda: any(e["kind"] == "source.recovered" for e in history(project)),
        what="the engine to see the source again",
    )


def test_a_deploy_command_that_is_not_executable(project: Project) -> None:
    (project.root / "deploy.sh").write_text("#!/bin/sh\necho hi\n")
    write(project, deploy="./deploy.sh")
    project.commit("first", **{"app.txt": "1\n"})
    done = project.captain("run", "--headless", "--until-idle")
    assert done.returncode == 1  # SPEC §9: v1 was rejected in beta during the run
    failed = [e for e in history(project) if e["kind"] == "step.failed"]
    assert failed and "not executable" in failed[0]["detail"]

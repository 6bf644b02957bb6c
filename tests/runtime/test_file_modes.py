"""The state directory and everything the captain creates in it are its owner's only
(SPEC R10; issue 12, finding 8): folders 0700, files 0600 (stored artefacts 0400),
while the user's own commands keep the user's umask."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from release_captain.config.model import Source
from release_captain.runtime.git import GitSource
from release_captain.store import Store
from release_captain.testing_git import commit, init_repo

PIPELINE = """
[pipeline]
name = "modes"

[[sources]]
name = "app"
repo = "{repo}"

[build]
run = ["cp app.txt \\"$CAPTAIN_OUT/app.txt\\""]
artefacts = ["app.txt"]

[defaults]
deploy = "umask > deploy-umask"

[[stages]]
name = "beta"
targets = ["local"]
approvals = [{ name = "check", run = "true" }]
block_on_alarm = ["health"]

[[stages]]
name = "prod"
targets = ["r1"]

[monitors.health]
run = "true"
"""


def _run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "release_captain", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
        umask=0o022,  # the user's usual umask: the captain must not rely on it
    )


def _open_to_others(state: Path) -> list[str]:
    found = []
    for top, dirs, files in os.walk(state):
        for name in [*dirs, *files]:
            path = Path(top) / name
            mode = stat.S_IMODE(path.lstat().st_mode)
            if mode & 0o077:
                found.append(f"{oct(mode)} {path.relative_to(state)}")
    return found


@pytest.fixture
def project(tmp_path: Path) -> Path:
    repo = init_repo(tmp_path / "repo")
    commit(repo, {"app.txt": "one\n"}, "first")
    (tmp_path / "pipeline.toml").write_text(PIPELINE.replace("{repo}", str(repo)))
    done = _run(tmp_path, "run", "--headless", "--until-idle")
    assert done.returncode == 0, done.stderr
    return tmp_path


def _is_step_log(entry: str) -> bool:
    """Deploy and approval logs (and their folders), which the shell runner creates."""
    name = entry.split(" ", 1)[1]
    return name.startswith("logs/v") and not name.endswith("build.log")


def test_what_the_captain_creates_is_its_owners_only(project: Path) -> None:
    state = project / ".captain"
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    for name in ("state.db", "engine.lock", ".migrate.lock"):
        assert stat.S_IMODE((state / name).stat().st_mode) == 0o600, name
    assert {p.name for p in state.iterdir()} >= {"logs", "artefacts", "state.db"}
    stored = [p for p in (state / "artefacts").rglob("app.txt") if p.is_file()]
    assert stored and all(stat.S_IMODE(p.stat().st_mode) == 0o400 for p in stored)
    assert [e for e in _open_to_others(state) if not _is_step_log(e)] == []
    # the user's deploy script still runs with the user's umask
    assert (project / "deploy-umask").read_text().strip() == "0022"


def test_the_wal_files_and_later_commands_keep_the_modes(project: Path) -> None:
    assert _run(project, "pause", "prod").returncode == 0
    assert _run(project, "status").returncode == 0
    state = project / ".captain"
    assert [e for e in _open_to_others(state) if not _is_step_log(e)] == []


def test_step_logs_are_owners_only_too(project: Path) -> None:
    assert _open_to_others(project / ".captain") == []


def test_a_url_sources_mirror_is_its_owners_only(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    commit(repo, {"a": "1"}, "first")
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    mirror = state / "mirrors" / "app"
    source = GitSource(
        Source(name="app", repo=repo.as_uri(), branch="main", poll=1.0, is_url=True, path=mirror)
    )
    old = os.umask(0o022)
    try:
        source.prepare()
        new = commit(repo, {"b": "2"}, "upstream change")
        source.fetch()
        assert source.head() == new
    finally:
        os.umask(old)
        source.close()
    # git runs with umask 077, so every file and folder of the mirror is its owner's only
    # (config, HEAD, refs and FETCH_HEAD too, not only the objects).
    assert stat.S_IMODE((state / "mirrors").stat().st_mode) == 0o700
    found = list(mirror.rglob("*"))
    assert (mirror / "config") in found and (mirror / "HEAD") in found
    assert [p for p in found if p.stat().st_mode & 0o077] == []


def test_the_wal_and_shm_files_are_owners_only(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        store = Store(tmp_path / "state")
        try:
            with store.write() as db:
                db.execute("INSERT INTO controls (stage) VALUES ('beta')")
            names = {p.name for p in (tmp_path / "state").iterdir()}
            assert {"state.db-wal", "state.db-shm"} <= names
            assert _open_to_others(tmp_path / "state") == []
        finally:
            store.close()
    finally:
        os.umask(old)


def test_a_state_directory_made_by_an_older_captain_is_closed_on_open(tmp_path: Path) -> None:
    """Files an older captain left 0644 stay as they are, but nobody else can reach them:
    opening the store makes the state directory itself its owner's only."""
    from release_captain.store import Store

    state = tmp_path / ".captain"
    state.mkdir(mode=0o755)
    state.chmod(0o755)
    Store(state).close()
    assert stat.S_IMODE(state.stat().st_mode) == 0o700

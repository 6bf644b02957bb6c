"""Real-time end-to-end fixtures: a real git repository, a pipeline file, and the real
`captain` command in a subprocess."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from release_captain.testing_git import commit, init_repo


@dataclass
class Project:
    """A folder with a watched repository and a pipeline file."""

    root: Path
    repo: Path

    def captain(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """Run `captain ARGS` to completion in the project folder."""
        return subprocess.run(
            [sys.executable, "-m", "release_captain", *args],
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=os.environ | {"PYTHONUNBUFFERED": "1"},
        )

    def start(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        """Start `captain run --headless ARGS` in the background (with `env` added to the
        environment)."""
        log = open(self.root / "engine.out", "a")  # noqa: SIM115 - closed with the process
        return subprocess.Popen(
            [sys.executable, "-m", "release_captain", "run", "--headless", *args],
            cwd=self.root,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            env=os.environ | {"PYTHONUNBUFFERED": "1"} | (env or {}),
        )

    def commit(self, message: str, **files: str) -> str:
        return commit(self.repo, files or {"change.txt": message}, message)

    def status(self) -> dict:
        done = self.captain("status", "--json")
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def wait_for(self, check: Callable[[], bool], timeout: float = 60, what: str = "") -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check():
                return
            time.sleep(0.1)
        out = (self.root / "engine.out").read_text() if (self.root / "engine.out").exists() else ""
        raise AssertionError(f"timed out waiting for {what}\n{out[-4000:]}")


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    repo = init_repo(tmp_path / "repo")
    yield Project(root=tmp_path, repo=repo)


@pytest.fixture
def engines() -> Iterator[list[subprocess.Popen[str]]]:
    """Engines a test started; stopped (then killed) when it ends."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

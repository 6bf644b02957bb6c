"""Provides benchmark 2 of issue 7, commit to deploy: from just before `git commit` runs
in a watched local repository to the start of the beta deploy command, with the engine
(`captain run --headless`) already running.

The pipeline is just beta with one target; its deploy appends `VERSION EPOCH` to a file
(`date +%s.%N`) the moment it starts. Each version is let finish (it passes beta, read
from the database) before the next commit. One repetition is 20 commits and yields
their median; the table shows the median, min and max of those medians, and the note
the spread of every single commit.
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import time
from pathlib import Path

from benchmarks.common import (
    BenchmarkError,
    Figure,
    bench_env,
    captain_command,
    kill_group,
    make_project,
    stage_state,
    temp_folder,
    wait_until,
)
from benchmarks.pipelines import commit_to_deploy

NAME = "commit_to_deploy"
TARGET = 1.0
COMMITS = 20
#: The longest one commit may take to reach its deploy and pass beta.
PER_COMMIT_TIMEOUT = 20.0


def _stamp(stamps: Path, version: int) -> float | None:
    if not stamps.exists():
        return None
    for line in stamps.read_text().splitlines():
        name, _, at = line.partition(" ")
        if name == f"v{version}":
            return float(at)
    return None


def one_run(commits: int = COMMITS) -> list[float]:
    """Start an engine, make `commits` commits one after another; the latency of each."""
    from release_captain.testing_git import git, git_env

    latencies: list[float] = []
    with temp_folder(NAME) as folder:
        stamps = folder / "stamps"
        shape = commit_to_deploy(stamps)
        make_project(folder, shape.toml())
        state = folder / ".captain"
        log = open(folder / "engine.out", "wb")  # noqa: SIM115 - closed below
        engine = subprocess.Popen(
            [*captain_command(), "run", "--headless"],
            cwd=folder,
            env=bench_env({"PYTHONUNBUFFERED": "1"}),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            # v1 (the commit made before the engine started) warms the engine up.
            wait_until(lambda: stage_state(state, "beta", 1) == "passed", 30, "v1 to pass beta")
            repo = folder / "repo"
            env = git_env()
            for n in range(2, commits + 2):
                (repo / "app.txt").write_text(f"version {n}\n")
                git(repo, "add", "app.txt", env=env)
                before = time.time()
                git(repo, "commit", "--quiet", "--no-verify", "-m", f"change {n}", env=env)
                at = wait_until(
                    lambda n=n: _stamp(stamps, n), PER_COMMIT_TIMEOUT, f"the deploy of v{n}"
                )
                latencies.append(at - before)
                state_now = wait_until(
                    lambda n=n: (
                        stage_state(state, "beta", n) in ("passed", "rejected")
                        and stage_state(state, "beta", n)
                    ),
                    PER_COMMIT_TIMEOUT,
                    f"v{n} to finish in beta",
                )
                if state_now != "passed":
                    raise BenchmarkError(f"v{n} was {state_now} in beta")
        except BenchmarkError as error:
            tail = (folder / "engine.out").read_text(errors="replace")[-2000:]
            raise BenchmarkError(f"{error}\n{tail}") from None
        finally:
            _stop(engine)
            log.close()
    return latencies


def _stop(engine: subprocess.Popen[bytes]) -> None:
    """SIGTERM the engine (it stops cleanly), SIGKILL its group if it lingers."""
    if engine.poll() is None:
        os.kill(engine.pid, signal.SIGTERM)
        try:
            engine.wait(timeout=10)
        except subprocess.TimeoutExpired:
            kill_group(engine.pid)
            engine.wait(timeout=10)
    kill_group(engine.pid)


def run(repeat: int) -> list[Figure]:
    medians: list[float] = []
    every: list[float] = []
    for _ in range(repeat):
        latencies = one_run()
        every += latencies
        medians.append(statistics.median(latencies))
    q = statistics.quantiles(every, n=10) if len(every) >= 2 else every * 9
    return [
        Figure(
            bench=NAME,
            name=f"commit → beta deploy starts (median of {COMMITS} commits)",
            unit="s",
            target=TARGET,
            samples=medians,
            note=(
                f"all {len(every)} commits: min {min(every):.3f} s, p90 {q[-1]:.3f} s, "
                f"max {max(every):.3f} s"
            ),
        )
    ]

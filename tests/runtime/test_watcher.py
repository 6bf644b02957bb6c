"""Instant ref detection (rule R1): a commit in a watched repository wakes the loop."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import pytest

from release_captain.config.model import Source
from release_captain.runtime.git import GitSource
from release_captain.runtime.watcher import RefWatcher
from release_captain.testing_git import commit, git, init_repo


def watched(repo: Path) -> tuple[RefWatcher, threading.Event]:
    source = GitSource(
        Source(name="app", repo=str(repo), branch="main", poll=2.0, is_url=False, path=repo)
    )
    changed = threading.Event()
    watcher = RefWatcher(source.watch_paths(), changed.set)
    source.close()
    watcher.start()
    return watcher, changed


def test_a_commit_calls_on_change_within_a_second(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    commit(repo, {"a": "1"}, "first")
    watcher, changed = watched(repo)
    try:
        commit(repo, {"a": "2"}, "second")
        assert changed.wait(1.0)
    finally:
        watcher.stop()


def test_packed_refs_and_new_branches_are_seen(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    commit(repo, {"a": "1"}, "first")
    watcher, changed = watched(repo)
    try:
        git(repo, "branch", "feature/deep")
        assert changed.wait(1.0)
        changed.clear()
        git(repo, "pack-refs", "--all")
        assert changed.wait(1.0)
    finally:
        watcher.stop()


def test_staging_a_file_wakes_no_one(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    commit(repo, {"a": "1"}, "first")
    watcher, changed = watched(repo)
    try:
        (repo / "b").write_text("2")
        git(repo, "add", "b")
        git(repo, "hash-object", "-w", "b")
        assert not changed.wait(0.3)
    finally:
        watcher.stop()


def test_missing_paths_are_ignored_and_stop_is_prompt(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    repo = init_repo(tmp_path / "repo")
    commit(repo, {"a": "1"}, "first")
    missing = [tmp_path / "nowhere", repo / ".git" / "refs" / "remotes" / "gone"]
    source = GitSource(
        Source(name="app", repo=str(repo), branch="main", poll=2.0, is_url=False, path=repo)
    )
    changed = threading.Event()
    watcher = RefWatcher([*missing, *source.watch_paths()], changed.set)
    source.close()
    watcher.start()
    try:
        commit(repo, {"a": "2"}, "second")
        assert changed.wait(1.0), "a missing path kept the real ones from being watched"
    finally:
        began = time.monotonic()
        watcher.stop()
        # the threads see the stop within a debounce step (~20 ms); a hung one would
        # hold stop() for its 2 s join timeout
        assert time.monotonic() - began < 1.5

    for paths in (missing, []):
        before = watch_threads()
        nothing = RefWatcher(paths, changed.set)
        began = time.monotonic()
        nothing.start()
        assert watch_threads() == before, "a watch thread was started for nothing"
        nothing.stop()
        assert time.monotonic() - began < 1.0
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text


def watch_threads() -> int:
    return sum(t.name.startswith("captain-watch-") for t in threading.enumerate())

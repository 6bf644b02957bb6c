"""Instant ref detection (rule R1): a commit in a watched repository wakes the loop."""

from __future__ import annotations

import threading
from pathlib import Path

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


def test_missing_paths_are_ignored_and_stop_is_prompt(tmp_path: Path) -> None:
    watcher = RefWatcher([tmp_path / "nowhere"], lambda: None)
    watcher.start()
    watcher.stop()
    empty = RefWatcher([], lambda: None)
    empty.start()
    empty.stop()

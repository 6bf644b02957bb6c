"""Keeps the developer's machine out of every test: HOME in tmp, no CAPTAIN_CONFIG, no
inherited git configuration."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def isolated(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("CAPTAIN_CONFIG", raising=False)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Test Author")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "author@example.com")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "Test Committer")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "committer@example.com")


@pytest.fixture(autouse=True)
def every_recorded_kind_is_known(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every event kind any test records is one a `[[notify]]` pattern may name
    (`config.notify.EVENT_KINDS`): a new kind missing from that list would make
    `validate` refuse a pattern for it, and its notifications silently impossible."""
    from release_captain.config.notify import EVENT_KINDS
    from release_captain.store.events import EventLog

    known = {*EVENT_KINDS, "notify.failed"}
    append = EventLog.append

    def checked(self: EventLog, kind: str, **fields: object) -> object:
        assert kind in known, f"event kind {kind!r} is missing from config.notify.EVENT_KINDS"
        return append(self, kind, **fields)  # type: ignore[arg-type]

    monkeypatch.setattr(EventLog, "append", checked)

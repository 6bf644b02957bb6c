"""Issue 12: anything a runtime thread raises stops the engine with one sentence, never a
hang. The reaper's thread is the one every started command's end depends on: if it
dies, the engine stops and says why (a month-long timeout used to kill it silently)."""

from __future__ import annotations

from pathlib import Path

import pytest

from release_captain.errors import CaptainError
from release_captain.runtime import reaper as reaper_module
from release_captain.runtime.reaper import Reaper
from release_captain.testing import harness

PIPELINE = """
[pipeline]
name = "p"
[[sources]]
name = "app"
repo = "repo"
[build]
run = ["make"]
[[stages]]
name = "beta"
targets = ["local"]
deploy = "deploy"
"""


def broken_reaper(monkeypatch: pytest.MonkeyPatch) -> Reaper:
    """A fresh process-wide reaper whose thread's work raises."""
    fresh = Reaper()

    def explode() -> None:
        raise OverflowError("timeout is too large")

    monkeypatch.setattr(fresh, "_loop", explode)
    monkeypatch.setattr(reaper_module, "_REAPER", fresh)
    return fresh


def test_a_dying_reaper_tells_whoever_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    fresh = broken_reaper(monkeypatch)
    heard: list[BaseException] = []
    fresh.on_failure(heard.append)
    fresh._guarded_loop()  # what its thread runs
    assert isinstance(fresh.failed, OverflowError) and heard == [fresh.failed]
    late: list[BaseException] = []
    fresh.on_failure(late.append)  # registered after the failure: told at once
    assert late == [fresh.failed]


def test_the_engine_stops_with_one_sentence_when_the_reaper_dies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh = broken_reaper(monkeypatch)
    h = harness(tmp_path, PIPELINE, script={"make": 0, "deploy": 0})
    fresh._guarded_loop()
    with pytest.raises(CaptainError, match="watcher of running commands failed") as stopped:
        h.settle()
    assert "OverflowError" in str(stopped.value)

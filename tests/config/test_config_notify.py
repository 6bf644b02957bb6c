"""`[[notify]]` entries become typed `Notify` objects with their defaults (SPEC §11)."""

from __future__ import annotations

from pathlib import Path

from release_captain.config import load_pipeline
from release_captain.config.model import Notify
from release_captain.testing import write_pipeline

BASE = """
[pipeline]
name = "shop"

[[sources]]
name = "app"
repo = "https://example.com/app.git"

[[stages]]
name = "beta"
targets = ["local"]
deploy = "true"
"""


def test_notify_entries_keep_their_order_and_defaults(tmp_path: Path) -> None:
    text = (
        BASE
        + """
[[notify]]
on = ["rollback.*", "approval.waiting"]
run = "examples/notify/slack.sh"

[[notify]]
on = ["stage.passed"]
run = "notify-send done"
timeout = "5s"
"""
    )
    pipeline = load_pipeline(write_pipeline(tmp_path, text))
    assert pipeline.notify == (
        Notify(on=("rollback.*", "approval.waiting"), run="examples/notify/slack.sh", timeout=30.0),
        Notify(on=("stage.passed",), run="notify-send done", timeout=5.0),
    )


def test_no_notify_is_no_entries(tmp_path: Path) -> None:
    assert load_pipeline(write_pipeline(tmp_path, BASE)).notify == ()

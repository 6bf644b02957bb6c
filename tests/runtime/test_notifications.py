"""`[[notify]]` through the loop (SPEC §11): only matching events are notified, each
once, with the event on stdin and CAPTAIN_EVENT_*; a failing notification changes no
outcome; `approval.waiting` is recorded once per wait. Fake clock, scripted runner."""

from __future__ import annotations

import json
from pathlib import Path

from release_captain.service import Captain
from release_captain.store import Store
from release_captain.testing import NEVER_ENDS, Harness, harness

PIPELINE = """
[pipeline]
name = "shop"

[[sources]]
name = "app"
repo = "repo"

[build]
run = ["make"]

[defaults]
deploy = "deploy"

[[stages]]
name = "beta"
targets = ["local"]
approvals = [{ name = "tests", run = "tests" }]

[[stages]]
name = "prod"
targets = ["eu"]
promotion = "manual"
approvals = [{ name = "sign-off", manual = true }]

[[notify]]
on = ["stage.passed", "approval.*"]
run = "notify-chat"

[[notify]]
on = ["stage.rejected"]
run = "notify-pager"
timeout = "5s"
"""
OK = {"make": 0, "deploy": 0, "tests": 0, "notify-chat": 0, "notify-pager": 0}


def commit(h: Harness, sha: str) -> None:
    h.sources["app"].commit_to(sha)
    h.announce_commit()
    h.settle()


def kinds_sent(h: Harness, command: str) -> list[str]:
    return [call.env["CAPTAIN_EVENT_KIND"] for call in h.runner.ran(command)]


def test_only_matching_events_are_notified_once_each_with_the_event(tmp_path: Path) -> None:
    h = harness(tmp_path, PIPELINE, script=OK)
    commit(h, "a1")
    h.settle()
    assert kinds_sent(h, "notify-chat") == ["stage.passed", "approval.waiting"]
    assert kinds_sent(h, "notify-pager") == []
    passed, waiting = h.runner.ran("notify-chat")
    event = json.loads(passed.stdin)
    recorded = h.kinds("stage.passed")[0]
    assert event == {
        "id": recorded.id,
        "at": event["at"],
        "kind": "stage.passed",
        "version": "v1",
        "stage": "beta",
        "target": None,
        "actor": "captain",
        "detail": recorded.detail,
    }
    assert passed.env["CAPTAIN_EVENT_STAGE"] == "beta"
    assert passed.env["CAPTAIN_EVENT_VERSION"] == "v1"
    assert passed.env["CAPTAIN_EVENT_TARGET"] == ""
    assert passed.env["CAPTAIN_EVENT_DETAIL"] == recorded.detail
    assert passed.env["CAPTAIN_ACTION"] == "notify"
    assert waiting.env["CAPTAIN_EVENT_STAGE"] == "prod"
    assert not h.kinds("notify.failed")


def test_approval_waiting_is_recorded_once_per_wait(tmp_path: Path) -> None:
    h = harness(tmp_path, PIPELINE, script=OK)
    commit(h, "a1")
    for _ in range(3):
        h.advance(60)
    assert [(e.stage, e.version) for e in h.kinds("approval.waiting")] == [("prod", 1)]
    captain = Captain(h.pipeline, clock=h.clock, store=h.store, runner=h.runner)
    captain.approve("prod")  # the gate: v1 enters prod, where its sign-off waits
    h.settle()
    waits = h.kinds("approval.waiting")
    assert [(e.stage, e.target, e.version) for e in waits] == [
        ("prod", None, 1),
        ("prod", "eu", 1),
    ]
    assert "sign-off" in waits[1].detail
    assert kinds_sent(h, "notify-chat").count("approval.waiting") == 2


def test_a_failing_notification_changes_no_outcome(tmp_path: Path) -> None:
    failing = {**OK, "notify-chat": 7}
    h = harness(tmp_path, PIPELINE, script=failing)
    commit(h, "a1")
    (row,) = h.store.views.versions(numbers=[1])
    assert row.stages == {"beta": "passed"}
    failures = h.kinds("notify.failed")
    assert len(failures) == 2  # stage.passed and approval.waiting, each once
    assert failures[0].stage == "beta" and failures[0].version == 1
    assert "`notify-chat` exited 7" in failures[0].detail
    assert "stage.passed" in failures[0].detail
    assert not h.kinds("stage.rejected")
    # a notify.failed is never notified itself (no loop of failures)
    assert len(h.runner.ran("notify-chat")) == 2


def test_a_notification_cut_off_by_a_crash_is_not_sent_again(tmp_path: Path) -> None:
    h = harness(tmp_path, PIPELINE, script={**OK, "notify-chat": NEVER_ENDS})
    commit(h, "a1")
    assert len(h.runner.ran("notify-chat")) == 2
    assert h.reconciler.idle(h.reconciler.tick()) is False  # notifications still run
    # the engine dies without stopping; a new one starts over the same state
    h2 = harness(tmp_path, PIPELINE, script=OK)
    h2.settle()
    assert h2.runner.ran("notify-chat") == []
    cut_off = h2.kinds("notify.failed")
    assert len(cut_off) == 2
    assert all("cut off when the engine stopped; not sent again" in e.detail for e in cut_off)


def test_an_upgraded_state_does_not_notify_its_old_history(tmp_path: Path) -> None:
    quiet = PIPELINE.split("[[notify]]")[0]
    h = harness(tmp_path, quiet, script=OK)
    commit(h, "a1")
    assert h.kinds("stage.passed")
    h.reconciler.stop()
    h2 = harness(tmp_path, PIPELINE, script=OK)
    h2.settle()
    assert h2.runner.ran("notify-chat") == []


def test_events_recorded_while_no_engine_ran_are_notified_at_the_next_start(
    tmp_path: Path,
) -> None:
    h = harness(tmp_path, PIPELINE, script=OK)
    h.settle()
    store = Store(h.pipeline.state_dir)
    store.append_event("stage.passed", now=h.clock(), stage="beta", version=None)
    h.settle()
    assert kinds_sent(h, "notify-chat") == ["stage.passed"]

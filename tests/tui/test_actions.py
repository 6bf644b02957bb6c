"""Every action of the board through Pilot, each checked in the store afterwards
through the service's reads (status, history, versions), as a person would see it."""

from __future__ import annotations

from pathlib import Path

from release_captain.service import current_user
from release_captain.tui import CaptainApp, make_app
from release_captain.tui.dialogs.confirm import ConfirmDialog
from release_captain.tui.dialogs.decision import DecisionDialog
from release_captain.tui.dialogs.rollback import RollbackDialog
from release_captain.tui.screens.board import BoardScreen
from release_captain.tui.screens.log import LogScreen
from release_captain.tui.widgets.approval_prompt import ApprovalPrompt
from release_captain.tui.widgets.stage_column import StageColumn
from release_captain.tui.widgets.target_card import TargetCard
from tests.tui import states
from tests.tui.conftest import type_text, until

SIZE = (120, 36)


def app_over(world: states.World, **options: object) -> CaptainApp:
    return make_app(world.captain, refresh=0, clock=world.h.clock, **options)


def events(world: states.World, kind: str) -> list:
    return [e for e in world.captain.history() if e.kind == kind]


async def test_approving_a_manual_gate_with_a_comment(tmp_path: Path) -> None:
    w = states.approving(tmp_path)
    app = app_over(w)
    async with app.run_test(size=SIZE) as pilot:
        await app.refreshed()
        await pilot.press("right", "right", "down")  # prod-wave-1's prompt
        assert isinstance(app.focused, ApprovalPrompt)
        assert app.focused.prompt.version == 2
        await pilot.press("a")
        assert isinstance(app.screen, DecisionDialog)
        await type_text(pilot, "looks ok")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        assert isinstance(app.screen, BoardScreen)
    (granted,) = events(w, "approval.granted")[-1:]
    assert (granted.version, granted.stage) == (2, "prod-wave-1")
    assert granted.actor == current_user()
    assert "looks ok" in granted.detail
    w.h.settle()
    assert w.stage("prod-wave-1").in_flight == 2


async def test_rejecting_a_waiting_version_asks_a_reason(tmp_path: Path) -> None:
    w = states.approving(tmp_path)
    app = app_over(w)
    async with app.run_test(size=SIZE) as pilot:
        await app.refreshed()
        await pilot.press("right", "right", "down", "r")
        assert isinstance(app.screen, DecisionDialog)
        await pilot.press("enter")  # no reason: refused, the dialog stays
        await pilot.pause()
        assert isinstance(app.screen, DecisionDialog)
        assert not events(w, "stage.rejected")
        await type_text(pilot, "no go")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await app.refreshed()
        assert not app.board.prompts
    (rejected,) = events(w, "stage.rejected")
    assert (rejected.version, rejected.stage, rejected.actor) == (2, "prod-wave-1", current_user())
    assert rejected.detail == "no go"
    (v2,) = [v for v in w.captain.versions() if v.number == 2]
    assert v2.stages["prod-wave-1"] == "rejected"


async def test_rejecting_the_version_in_flight_confirms_with_a_reason(tmp_path: Path) -> None:
    w = states.baking(tmp_path)
    app = app_over(w)
    async with app.run_test(size=SIZE) as pilot:
        await app.refreshed()
        await pilot.press("right", "r")  # gamma, baking v2
        assert isinstance(app.screen, ConfirmDialog)
        assert app.screen.query_one("#dialog").border_title == "Reject v2 in gamma?"
        await type_text(pilot, "slow")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
    w.h.settle()
    (v2,) = [v for v in w.captain.versions() if v.number == 2]
    assert v2.stages["gamma"] == "rejected"
    mine = [e for e in w.captain.history(stage="gamma") if e.actor == current_user()]
    assert mine and "slow" in mine[-1].detail


async def test_cancelling_a_rollback_at_the_confirmation_changes_nothing(tmp_path: Path) -> None:
    w = states.approving(tmp_path)
    before = len(w.captain.history())
    app = app_over(w)
    async with app.run_test(size=SIZE) as pilot:
        await app.refreshed()
        await pilot.press("right", "down")  # gamma/us-east-1
        assert isinstance(app.focused, TargetCard) and app.focused.where == "gamma/us-east-1"
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, RollbackDialog)
        text = " ".join(str(s.render()) for s in app.screen.query(".line"))
        assert "roll back gamma/us-east-1 from v2 to v1" in text
        await pilot.press("escape")
        await app.workers.wait_for_complete()
        assert isinstance(app.screen, BoardScreen)
    assert len(w.captain.history()) == before
    assert w.target("gamma", "us-east-1").version == 2


async def test_confirming_a_rollback_redeploys_the_last_good_version(tmp_path: Path) -> None:
    w = states.approving(tmp_path)
    app = app_over(w)
    async with app.run_test(size=SIZE) as pilot:
        await app.refreshed()
        await pilot.press("right", "down", "b")
        await pilot.pause()
        assert isinstance(app.screen, RollbackDialog)
        await type_text(pilot, "latency up")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        assert isinstance(app.screen, BoardScreen)
    target = w.target("gamma", "us-east-1")
    assert (target.version, target.state) == (1, "rolled_back")
    assert w.target("gamma", "eu-west-1").version == 2  # only the named target
    (rejected,) = events(w, "stage.rejected")
    assert (rejected.version, rejected.stage, rejected.actor) == (2, "gamma", current_user())
    assert "latency up" in rejected.detail
    assert events(w, "rollback.succeeded")
    (v2,) = [v for v in w.captain.versions() if v.number == 2]
    assert v2.stages["gamma"] == "rejected"


async def test_pausing_and_resuming_a_stage(tmp_path: Path) -> None:
    w = states.idle(tmp_path)
    app = app_over(w)
    async with app.run_test(size=SIZE) as pilot:
        await app.refreshed()
        await pilot.press("right")  # gamma
        assert isinstance(app.focused, StageColumn) and app.focused.stage.name == "gamma"
        await pilot.press("p")
        assert isinstance(app.screen, ConfirmDialog)
        await type_text(pilot, "freeze")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        assert w.stage("gamma").paused
        assert app.board.stage("gamma").paused  # the board read it again
        assert app.screen.query_one("#stage-gamma").has_class("-paused")
        await pilot.press("p")  # resuming needs no confirmation
        await app.workers.wait_for_complete()
    assert not w.stage("gamma").paused
    paused, resumed = w.captain.history(stage="gamma", limit=2)
    assert (paused.kind, paused.detail, paused.actor) == ("stage.paused", "freeze", current_user())
    assert (resumed.kind, resumed.actor) == ("stage.resumed", current_user())


async def test_switching_a_gate(tmp_path: Path) -> None:
    w = states.idle(tmp_path)
    app = app_over(w)
    async with app.run_test(size=SIZE) as pilot:
        await app.refreshed()
        await pilot.press("right", "g")
        assert isinstance(app.screen, ConfirmDialog)
        assert app.screen.query_one("#dialog").border_title == "Switch gamma to manual promotion?"
        await pilot.press("enter")
        await app.workers.wait_for_complete()
    assert w.stage("gamma").promotion == "manual"
    (last,) = w.captain.history(stage="gamma", limit=1)
    assert last.actor == current_user()
    assert "manual" in last.kind + last.detail


async def test_opening_a_steps_log(tmp_path: Path) -> None:
    w = states.approving(tmp_path)
    app = app_over(w)
    async with app.run_test(size=SIZE) as pilot:
        await app.refreshed()
        await pilot.press("right", "down", "o")
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LogScreen)
        views = w.captain.logs("v2", "gamma/us-east-1")
        assert [v.step.name for v in screen.views] == [v.step.name for v in views]
        assert screen.log_text().strip() == views[-1].text.strip()
        await pilot.press("up")  # the deploy step
        await pilot.pause()
        assert "$ true" in screen.log_text()
        await pilot.press("escape")
        assert isinstance(app.screen, BoardScreen)


async def test_letting_a_version_through_a_blocker_needs_a_reason(tmp_path: Path) -> None:
    w = states.blocked(tmp_path)
    app = app_over(w)
    async with app.run_test(size=SIZE) as pilot:
        await app.refreshed()
        await pilot.press("right", "right", "down", "a")
        assert isinstance(app.screen, DecisionDialog)
        await pilot.press("enter")  # no reason: refused
        await pilot.pause()
        assert isinstance(app.screen, DecisionDialog)
        await type_text(pilot, "hotfix")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
    (granted,) = events(w, "approval.granted")
    assert (granted.version, granted.stage, granted.actor) == (1, "prod-wave-1", current_user())
    assert "hotfix" in granted.detail
    w.h.settle()
    assert w.stage("prod-wave-1").in_flight == 1


def dialog_text(app: CaptainApp) -> str:
    return "\n".join(str(s.render()) for s in app.screen.query(".line"))


async def test_the_approval_dialog_shows_the_commits_and_files_since_the_passed_version(
    tmp_path: Path,
) -> None:
    w = states.approving_with_changes(tmp_path)
    app = app_over(w)
    async with app.run_test(size=SIZE) as pilot:
        await app.refreshed()
        await pilot.press("right", "right", "down", "a")
        await until(pilot, lambda: isinstance(app.screen, DecisionDialog))
        text = dialog_text(app)
    assert "changes since v1, which prod-wave-1 passed: 4 commits, 6 files" in text
    for line in (
        "Grace: Bigger buttons",
        "Ada: Taxes at checkout",
        "Linus: Document it",
        "Grace: Faster checkout",
    ):
        assert line in text
    sha = w.captain.changes("prod-wave-1", 3).commits[0].sha
    assert sha[:8] in text
    assert "files app.py ×3 · basket.py · docs/checkout.md · pay.py · tax.py · ui.css" in text


async def test_the_approval_dialog_says_when_the_repository_cannot_be_read(
    tmp_path: Path,
) -> None:
    w = states.approving(tmp_path)  # its source is a fake: no repository on disk
    app = app_over(w)
    async with app.run_test(size=SIZE) as pilot:
        await app.refreshed()
        await pilot.press("right", "right", "down", "a")
        await until(pilot, lambda: isinstance(app.screen, DecisionDialog))
        text = dialog_text(app)
    assert "changes since v1, which prod-wave-1 passed: 1 commit" in text
    assert "b2c3d4e5 Grace: Faster checkout" in text
    assert "files: the repository of app is not reachable:" in text

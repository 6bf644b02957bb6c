"""Provides `CaptainCommands`, the command palette's source (`:` or `ctrl+p`): every
action on every stage, target and waiting prompt, and every screen, by name."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from release_captain.tui import look
from release_captain.tui.widgets.approval_prompt import prompt_title

if TYPE_CHECKING:
    from release_captain.service import StageView
    from release_captain.tui.app import CaptainApp
    from release_captain.tui.helm import Board

#: (name, help, callback)
Command = tuple[str, str, Callable[[], object]]


def commands_of(app: CaptainApp) -> list[Command]:
    """Every command the palette offers right now."""
    found: list[Command] = [
        ("Show the board", "stages, targets and what waits", app.action_board),
        ("Show the versions", "newest first, how far each got", app.action_versions),
        ("Show the history", "the audit log", app.action_history),
        (
            "Show the metrics",
            "deployments, failures and lead time, stage by stage",
            app.action_metrics,
        ),
        ("Show the previews", "each branch's preview: state, URL, age", app.action_previews),
        ("Show every key", "the key bindings", app.action_help),
    ]
    board = app.board
    if board is None:
        return found
    found += _views(app, board)
    if app.readonly:
        return found
    for prompt in board.prompts:
        title = prompt_title(prompt)
        found.append(
            (f"Approve: {title}", "with a comment", partial(app.order_decision, prompt, "approve"))
        )
        found.append(
            (f"Reject: {title}", "with a reason", partial(app.order_decision, prompt, "reject"))
        )
    for stage in board.status.stages:
        found += _orders(app, stage)
    return found


def _views(app: CaptainApp, board: Board) -> list[Command]:
    """Each stage's history and each target's logs."""
    found: list[Command] = []
    for stage in board.status.stages:
        found.append(
            (f"History of {stage.name}", "its events", partial(app.open_history, stage.name))
        )
        for target in stage.targets:
            if target.version is not None:
                found.append(
                    (
                        f"Logs of {stage.name}/{target.name}",
                        f"the steps of {look.version(target.version)} there",
                        partial(app.open_logs, stage.name, target.name, target.version),
                    )
                )
    return found


def _orders(app: CaptainApp, stage: StageView) -> list[Command]:
    """What a person may order of one stage: pause or resume, gate, reject, roll back."""
    name = stage.name
    found: list[Command] = []
    if stage.paused:
        found.append(
            (f"Resume {name}", "it takes new versions again", partial(app.order_pause, name))
        )
    else:
        found.append((f"Pause {name}", "it takes no new version", partial(app.order_pause, name)))
    other = "automatic" if stage.promotion == "manual" else "manual"
    found.append(
        (f"Gate {name} {other}", f"switch promotion to {other}", partial(app.order_gate, name))
    )
    if stage.in_flight is not None:
        found.append(
            (
                f"Reject {look.version(stage.in_flight)} in {name}",
                "stop it there, with a reason",
                partial(app.order_reject_in_flight, name),
            )
        )
    if any(t.version is not None and t.last_good is not None for t in stage.targets):
        found.append(
            (
                f"Roll back {name}",
                "the targets on its newest version, to their last good one",
                partial(app.order_rollback, [name]),
            )
        )
    for target in stage.targets:
        if target.version is None or target.last_good is None:
            continue  # nothing to roll back to
        where = f"{name}/{target.name}"
        found.append(
            (
                f"Roll back {where}",
                f"from {look.version(target.version)} to {look.version(target.last_good)}",
                partial(app.order_rollback, [where]),
            )
        )
    return found


class CaptainCommands(Provider):
    """The palette's commands."""

    @property
    def _app(self) -> CaptainApp:
        """Provider.app, narrowed: only CaptainApp lists these commands."""
        from release_captain.tui.app import CaptainApp  # app.py imports this module

        app = self.app
        assert isinstance(app, CaptainApp), app
        return app

    async def discover(self) -> Hits:
        for name, text, callback in commands_of(self._app):
            yield DiscoveryHit(name, callback, help=text)

    async def search(self, query: str) -> AsyncIterator[Hit]:
        matcher = self.matcher(query)
        for name, text, callback in commands_of(self._app):
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=text)

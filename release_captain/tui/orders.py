"""Provides `Orders`, the App's part that carries out a person's orders: each asks its
dialog (naming exactly what will happen), calls the same service function as the CLI in
a thread, and reports the service's one-sentence answer, or its error, as a
notification. A read-only app refuses them all."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from textual import work
from textual.content import Content

from release_captain.errors import CaptainError
from release_captain.tui import look
from release_captain.tui.dialogs.changes import change_lines
from release_captain.tui.dialogs.confirm import ConfirmDialog
from release_captain.tui.dialogs.decision import DecisionDialog, Verdict
from release_captain.tui.dialogs.rollback import RollbackDialog
from release_captain.tui.helm import Board, Helm, Prompt
from release_captain.tui.widgets.approval_prompt import prompt_title
from release_captain.tui.widgets.ticking import Line

if TYPE_CHECKING:
    from textual.app import App

    from release_captain.service import RollbackMove

    _Base = App[None]
else:
    _Base = object

T = TypeVar("T")


class Orders(_Base):
    """Approve, reject, pause, resume, gate and roll back, as the App's workers."""

    helm: Helm
    board: Board | None
    readonly: bool

    def refresh_now(self) -> None: ...  # provided by the App

    async def _call(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        """Run a service call in a thread; on a CaptainError notify and return None."""
        try:
            return await asyncio.to_thread(func, *args, **kwargs)
        except CaptainError as error:
            self.notify(str(error), title="not done", severity="error", timeout=8)
            return None

    def _refused(self, command: str) -> bool:
        """On a read-only screen: refuse, naming the CLI command that does it."""
        if self.readonly:
            self.notify(
                f"this screen is read-only: run `{command}` in a terminal",
                title="not done",
                severity="warning",
                timeout=8,
            )
        return self.readonly

    def _done(self, message: str | None) -> None:
        if message is not None:
            self.notify(message, title="done")
            self.refresh_now()

    # -- prompts ---------------------------------------------------------------

    def _version_lines(self, number: int) -> list[Line]:
        board = self.board
        row = board.version_row(number) if board else None
        if row is None:
            return [Content.styled(look.version(number), "b")]
        head = Content.assemble(
            (look.version(number), "b"),
            "  ",
            (look.short_sha(row.commit), "$text-accent"),
            f"  {row.author}  ",
        )

        def paint(now: float) -> Content:
            return head + Content.styled(look.ago(row.created_at, now), "$foreground-muted")

        return [paint, Content.styled("  " + look.first_line(row.message), "i")]

    def _effects(self, prompt: Prompt) -> list[Line]:
        pipeline = self.helm.pipeline
        stage = pipeline.stage(prompt.stage)
        name = look.version(prompt.version)
        view = self.board.stage(prompt.stage) if self.board else None
        targets = ", ".join(
            f"{t.name} (now {look.version(t.version)})" for t in (view.targets if view else ())
        )
        rollback = (
            "targets that ran it roll back to their last good version"
            if stage is not None and stage.rollback
            else "its targets keep it until the next version (rollback is off)"
        )
        match prompt.kind:
            case "signoff":
                approve = (
                    f"signs off {prompt.approval} for {name} on {', '.join(prompt.targets)}; "
                    f"each target then carries on with its next approval"
                )
                reject = f"rejects {name} in {prompt.stage}: it stops there and {rollback}"
            case "entry":
                approve = f"{prompt.stage} takes {name} when it is free: deploys it to {targets}"
                reject = (
                    f"rejects {name} in {prompt.stage}: it never enters it; newer versions "
                    f"still flow"
                )
            case _:
                approve = (
                    f"lets {name} into {prompt.stage} despite its active blockers "
                    f"({prompt.detail}); your reason is recorded"
                )
                reject = f"rejects {name} in {prompt.stage}: it never enters it"
        lines: list[Line] = []
        if prompt.detail:
            lines.append(Content.styled(f"waits: {prompt.detail}", "$foreground-muted"))
        lines += [
            Content.assemble(("approve ", "b $text-success"), approve),
            Content.assemble(("reject  ", "b $text-error"), reject),
        ]
        return lines

    @work(group="orders")
    async def order_decision(self, prompt: Prompt, verdict: Verdict) -> None:
        """Answer a prompt: the dialog, then approve or reject through the service."""
        if self._refused(f"captain {verdict} {prompt.stage} --version v{prompt.version}"):
            return
        changes = await self._call(self.helm.changes, prompt.stage, prompt.version)
        label = "Let through" if prompt.kind == "override" else "Approve"
        decision = await self.push_screen_wait(
            DecisionDialog(
                prompt_title(prompt),
                self._version_lines(prompt.version),
                changes=change_lines(changes) if changes is not None else None,
                effects=self._effects(prompt),
                verdict=verdict,
                approve_label=label,
                approve_needs_comment=prompt.kind == "override",
            )
        )
        if decision is None:
            return
        comment = decision.comment or ""
        if decision.verdict == "approve":
            override = prompt.kind == "override"
            answer = await self._call(
                self.helm.approve,
                prompt.stage,
                prompt.version,
                comment=comment,
                override_blockers=override,
            )
        else:
            answer = await self._call(
                self.helm.reject, prompt.stage, prompt.version, comment=comment
            )
        self._done(answer)

    @work(group="orders")
    async def order_reject_in_flight(self, stage: str) -> None:
        """Reject the version a stage works on, after a confirmation with a reason."""
        if self._refused(f"captain reject {stage} --comment REASON"):
            return
        view = self.board.stage(stage) if self.board else None
        if view is None or view.in_flight is None:
            self.notify(f"nothing runs in {stage}", severity="warning")
            return
        config = self.helm.pipeline.stage(stage)
        name = look.version(view.in_flight)
        after = (
            "targets that ran it roll back to their last good version"
            if config is not None and config.rollback
            else "its targets keep it until the next version (rollback is off)"
        )
        reason = await self.push_screen_wait(
            ConfirmDialog(
                f"Reject {name} in {stage}?",
                [
                    *self._version_lines(view.in_flight),
                    f"{name} stops in {stage} and never passes it; {after}.",
                ],
                confirm="Reject",
                reason="reason (required)",
                reason_required=True,
                destructive=True,
            )
        )
        if reason is None:
            return
        self._done(await self._call(self.helm.reject, stage, view.in_flight, comment=reason))

    @work(group="orders")
    async def order_reject(self, stage: str, version: int, reason: str = "") -> None:
        """Reject `version` in `stage` (running or not), after a confirmation with a
        reason, `reason` pre-filled."""
        if self._refused(f"captain reject {stage} --version v{version} --comment REASON"):
            return
        name = look.version(version)
        given = await self.push_screen_wait(
            ConfirmDialog(
                f"Reject {name} in {stage}?",
                [
                    *self._version_lines(version),
                    f"{name} stops in {stage} and never passes it; newer versions still flow.",
                ],
                confirm="Reject",
                reason="reason (required)",
                reason_required=True,
                destructive=True,
                value=reason,
            )
        )
        if given is None:
            return
        self._done(await self._call(self.helm.reject, stage, version, comment=given))

    # -- stage controls ----------------------------------------------------------

    @work(group="orders")
    async def order_pause(self, stage: str, reason: str = "") -> None:
        """Pause a stage (with an optional reason, `reason` pre-filled), or resume a
        paused one."""
        if self._refused(f"captain pause {stage} (or captain resume {stage})"):
            return
        view = self.board.stage(stage) if self.board else None
        if view is not None and view.paused:
            self._done(await self._call(self.helm.resume, stage))
            return
        given = await self.push_screen_wait(
            ConfirmDialog(
                f"Pause {stage}?",
                [f"{stage} takes no new version until it is resumed; what runs there carries on."],
                confirm="Pause",
                reason="reason (optional)",
                value=reason,
            )
        )
        if given is None:
            return
        self._done(await self._call(self.helm.pause, stage, reason=given))

    @work(group="orders")
    async def order_gate(self, stage: str) -> None:
        """Switch a stage's promotion between manual and automatic, after a confirmation."""
        if self._refused(f"captain gate {stage} manual|automatic"):
            return
        view = self.board.stage(stage) if self.board else None
        current = view.promotion if view else "automatic"
        mode = "automatic" if current == "manual" else "manual"
        if mode == "manual":
            effect = f"each version then waits for a person's approval to enter {stage}."
        else:
            effect = f"{stage} then takes each new candidate on its own, without a person."
            if view is not None and view.waiting is not None:
                effect += (
                    f" {look.version(view.waiting.version)}, which waits now, may enter at once."
                )
        answer = await self.push_screen_wait(
            ConfirmDialog(
                f"Switch {stage} to {mode} promotion?",
                [f"{stage} is {current} now; {effect}"],
                confirm=f"Make it {mode}",
            )
        )
        if answer is None:
            return
        self._done(await self._call(self.helm.gate, stage, mode))

    # -- rollback ----------------------------------------------------------------

    @work(group="orders")
    async def order_rollback(self, targets: list[str], reason: str = "") -> None:
        """Roll targets back after a confirmation that names from and to, with a reason
        (`reason` pre-fills it); one target's dialog also picks the version (`--to`)."""
        if self._refused(f"captain rollback {' '.join(targets)} --reason REASON"):
            return
        able = await self._call(self.helm.rollback_plan, targets)
        if not able:
            return
        choices = await self._call(self.helm.rollback_choices, targets[0]) if len(able) == 1 else ()
        where = able[0].stage + "/" + able[0].target if len(able) == 1 else f"{len(able)} targets"
        order = await self.push_screen_wait(
            RollbackDialog(
                f"Roll back {where}?", rollback_lines(able), choices=choices or (), reason=reason
            )
        )
        if order is None:
            return
        self.notify(f"rolling back {where}…")
        self._done(await self._call(self.helm.rollback, targets, reason=order.reason, to=order.to))


def rollback_lines(able: tuple[RollbackMove, ...]) -> list[Line]:
    """From and to of each target, and what becomes of the versions left."""
    lines: list[Line] = [
        Content.assemble(
            "roll back ",
            (f"{row.stage}/{row.target}", "b"),
            " from ",
            (look.version(row.from_version), "b $text-error"),
            " to ",
            (look.version(row.to_version), "b $text-success"),
        )
        for row in able
    ]
    names = ", ".join(look.version(v) for v in sorted({r.from_version for r in able}))
    lines.append(f"{names} is then rejected there and is not redeployed automatically.")
    return lines

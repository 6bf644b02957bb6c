"""Provides the commands people act with: `approve`, `reject`, `gate`, `pause`, `resume`.

With an engine running they go through its request queue and are applied within a
second; without one they act on the state directly (rule R11).
"""

# No `from __future__ import annotations`: typer would eval every string annotation.
import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from release_captain.cli.completion import complete_stage, complete_target, complete_version
from release_captain.cli.options import (
    MAX_WAIT_SECONDS,
    ConfigOption,
    JsonOption,
    config_path,
    finite,
    friendly,
)

if TYPE_CHECKING:
    from release_captain.service import Captain, Reply

StageArgument = Annotated[
    str,
    typer.Argument(metavar="STAGE", help="The stage, as in status.", autocompletion=complete_stage),
]
VersionOption = Annotated[
    str | None,
    typer.Option(
        "--version",
        "-v",
        help="v12, 12 or a commit SHA prefix [default: the one waiting].",
        show_default=False,
        autocompletion=complete_version,
    ),
]
CommentOption = Annotated[
    str | None, typer.Option("--comment", "-m", help="Why; kept in the history.")
]


class Mode(StrEnum):
    """Promotion modes of `captain gate`."""

    manual = "manual"
    automatic = "automatic"


def _captain(config: Path | None) -> "Captain":
    from release_captain.service import Captain

    return Captain.from_config(config_path(config))


def _say(reply: "Reply", as_json: bool) -> None:
    """The reply to a person's command: its sentence, or its JSON for scripts."""
    from release_captain.service.shapes import reply_json

    typer.echo(json.dumps(reply_json(reply)) if as_json else reply.message)


@friendly
def approve(
    stage: StageArgument,
    config: ConfigOption = None,
    version: VersionOption = None,
    comment: CommentOption = None,
    override_blockers: Annotated[
        bool,
        typer.Option(
            "--override-blockers",
            help="Let this version through active blockers (needs --comment).",
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Grant what waits for a person in STAGE: its manual entry gate or a sign-off.

    Without --version it acts on the version that waits, and says which.
    """
    reply = _captain(config).approve(
        stage, version=version, comment=comment or "", override_blockers=override_blockers
    )
    _say(reply, as_json)


@friendly
def reject(
    stage: StageArgument,
    config: ConfigOption = None,
    version: VersionOption = None,
    comment: CommentOption = None,
    as_json: JsonOption = False,
) -> None:
    """Reject a version in STAGE: it never passes it. An in-flight version is stopped."""
    _say(_captain(config).reject(stage, version=version, comment=comment or ""), as_json)


@friendly
def gate(
    stage: StageArgument,
    mode: Annotated[Mode, typer.Argument(help="manual or automatic.")],
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Switch STAGE's promotion between manual and automatic at run time."""
    _say(_captain(config).gate(stage, mode.value), as_json)


@friendly
def pause(
    stage: StageArgument,
    config: ConfigOption = None,
    reason: Annotated[
        str | None, typer.Option("--reason", "-r", help="Why; kept in the history.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Stop STAGE taking new versions; what is in flight there finishes."""
    _say(_captain(config).pause(stage, reason=reason or ""), as_json)


@friendly
def resume(stage: StageArgument, config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """Let a paused STAGE take new versions again."""
    _say(_captain(config).resume(stage), as_json)


@friendly
def rollback(
    targets: Annotated[
        list[str],
        typer.Argument(
            metavar="TARGET...",
            help="STAGE/TARGET, or STAGE for all its targets.",
            autocompletion=complete_target,
        ),
    ],
    config: ConfigOption = None,
    to: Annotated[
        str | None,
        typer.Option(
            "--to",
            help="Redeploy this version instead of the last good one.",
            autocompletion=complete_version,
        ),
    ] = None,
    reason: Annotated[
        str | None, typer.Option("--reason", "-r", help="Why; kept in the history.")
    ] = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Allow --to a version that never succeeded in the stage."),
    ] = False,
    wait: Annotated[
        bool, typer.Option("--wait/--no-wait", help="Block until every rollback deploy ended.")
    ] = True,
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout",
            help="Seconds to wait before exiting 4.",
            min=1,
            max=MAX_WAIT_SECONDS,
            callback=finite,
        ),
    ] = 1800,
    as_json: JsonOption = False,
) -> None:
    """Roll targets back to their last good version, pre-empting whatever runs there.

    The version rolled back from is rejected in the stage, so it is not redeployed
    automatically; newer versions still flow. Exit 0 when every rollback deploy
    succeeded, 1 when one failed, 3 when there is nothing to roll back to.
    Without an engine running, this command does the rollback itself and always waits.
    """
    from release_captain.errors import OperationFailed, WaitTimeout
    from release_captain.service import Captain, RollbackView

    captain = Captain.from_config(config_path(config))
    last: list[RollbackView] = []
    try:
        view = captain.rollback(
            targets,
            to=to,
            reason=reason or "",
            force=force,
            wait=wait,
            timeout=timeout,
            seen=last.append,
        )
    except WaitTimeout:
        # A script reading --json gets the rollbacks as they stand (still running).
        if as_json and last:
            typer.echo(json.dumps(last[-1].to_json(), indent=2))
        raise
    if as_json:
        typer.echo(json.dumps(view.to_json(), indent=2))
    else:
        for item in view.rollbacks:
            typer.echo(
                f"{item.stage}/{item.target}: v{item.from_version} → v{item.to_version} "
                f"{item.state}"
                + (f" ({item.detail})" if item.detail and item.state == "failed" else "")
            )
    if view.failed:
        if as_json:
            raise typer.Exit(1)
        raise OperationFailed("a rollback deploy failed; see `captain logs` for its output")

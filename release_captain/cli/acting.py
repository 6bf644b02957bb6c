"""Provides the commands people act with: `approve`, `reject`, `gate`, `pause`, `resume`.

With an engine running they go through its request queue and are applied within a
second; without one they act on the state directly (rule R11).
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated

import typer

from release_captain.cli.app import ConfigOption, JsonOption, app, config_path, friendly

StageArgument = Annotated[str, typer.Argument(metavar="STAGE", help="The stage, as in status.")]
VersionOption = Annotated[
    str | None,
    typer.Option(
        "--version",
        "-v",
        help="v12, 12 or a commit SHA prefix [default: the one waiting].",
        show_default=False,
    ),
]
CommentOption = Annotated[
    str | None, typer.Option("--comment", "-m", help="Why; kept in the history.")
]


class Mode(StrEnum):
    """Promotion modes of `captain gate`."""

    manual = "manual"
    automatic = "automatic"


def _act(config, as_json: bool, kind: str, **args: object) -> None:  # noqa: ANN001
    from release_captain.service import Captain

    captain = Captain.from_config(config_path(config))
    version = args.pop("version", None)
    if version is not None:
        args["version"] = captain.resolve_version(str(version))
    result = captain.act(kind, **args)
    if as_json:
        typer.echo(json.dumps({"message": result.message, **result.data}))
    else:
        typer.echo(result.message)


@app.command()
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
    _act(
        config,
        as_json,
        "approve",
        stage=stage,
        version=version,
        comment=comment,
        override_blockers=override_blockers or None,
    )


@app.command()
@friendly
def reject(
    stage: StageArgument,
    config: ConfigOption = None,
    version: VersionOption = None,
    comment: CommentOption = None,
    as_json: JsonOption = False,
) -> None:
    """Reject a version in STAGE: it never passes it. An in-flight version is stopped."""
    _act(config, as_json, "reject", stage=stage, version=version, comment=comment)


@app.command()
@friendly
def gate(
    stage: StageArgument,
    mode: Annotated[Mode, typer.Argument(help="manual or automatic.")],
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Switch STAGE's promotion between manual and automatic at run time."""
    _act(config, as_json, "gate", stage=stage, mode=mode.value)


@app.command()
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
    _act(config, as_json, "pause", stage=stage, reason=reason)


@app.command()
@friendly
def resume(stage: StageArgument, config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """Let a paused STAGE take new versions again."""
    _act(config, as_json, "resume", stage=stage)

"""Provides the `captain` typer application: its settings and `--version`, and every
command registered from the command modules, in the order `captain --help` lists them.

The dependency goes one way: this module imports the command modules, which know
nothing of the application (their shared options and error contract are in
`cli.options`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Annotated, Any

import typer

from release_captain.cli import (
    acting,
    forecasting,
    inspect,
    metrics,
    previewing,
    running,
    starter,
    tui,
)
from release_captain.cli.options import quiet_exit, stdout_closed

_SETTINGS: dict[str, Any] = {
    "name": "captain",
    "help": (
        "A release captain for one machine: builds each new commit once, promotes it "
        "through the stages of pipeline.toml, bakes, holds at gates and rolls back."
    ),
    "no_args_is_help": True,
    "add_completion": True,
    "pretty_exceptions_enable": False,
    "rich_markup_mode": None,
    "context_settings": {"help_option_names": ["-h", "--help"]},
}

#: Every command, in the order of `captain --help`.
COMMANDS: tuple[Callable[..., Any], ...] = (
    running.validate,
    running.schema,
    running.run,
    running.demo,
    starter.init,
    inspect.status,
    inspect.versions,
    inspect.history,
    inspect.logs,
    inspect.where,
    inspect.blockers,
    forecasting.forecast,
    metrics.metrics,
    acting.approve,
    acting.reject,
    acting.gate,
    acting.pause,
    acting.resume,
    acting.rollback,
    previewing.preview,
    tui.tui,
)


def _show_version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("release-captain")
        except PackageNotFoundError:  # run from a source tree that was never installed
            number = "unknown"
        typer.echo(f"captain {number}")
        raise typer.Exit()


def _group(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Print the captain's version and exit.",
            callback=_show_version,
            is_eager=True,
        ),
    ] = False,
) -> None:
    """A release captain for one machine."""


app = typer.Typer(**_SETTINGS)
app.callback()(_group)
for _command in COMMANDS:
    app.command()(_command)


def main() -> None:
    """Run the CLI on `sys.argv` and exit with its code."""
    try:
        app()
    except BrokenPipeError:
        # What no command caught (every command's own is quieted in `friendly`).
        if stdout_closed():
            quiet_exit()
            sys.exit(0)
        raise

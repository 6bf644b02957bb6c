"""Provides `captain tui`: the TUI over the state, whether an engine runs in another
terminal or none does."""

# No `from __future__ import annotations`: typer would eval every string annotation.
from typing import Annotated

import typer

from release_captain.cli import launcher
from release_captain.cli.options import ConfigOption, NotifyOption, config_path, friendly


@friendly
def tui(
    config: ConfigOption = None,
    readonly: Annotated[
        bool,
        typer.Option(
            "--readonly",
            help="A wall screen: show everything; an order's key names the CLI command instead.",
        ),
    ] = False,
    notify: NotifyOption = False,
) -> None:
    """Open the TUI: stages as columns with their targets, bake countdowns and the
    prompts that wait for a person; versions, history and logs. It refreshes from the
    state every second and works with or without `captain run` in another terminal."""
    from release_captain.service import Captain

    captain = Captain.from_config(config_path(config))
    try:
        launcher.tui().show(captain, readonly=readonly, notify=notify)
    finally:
        captain.close()

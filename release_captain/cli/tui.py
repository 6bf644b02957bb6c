"""Provides `captain tui`: the TUI over the state, whether an engine runs in another
terminal or none does."""

# No `from __future__ import annotations` here: typer reads these signatures at every
# start, and string annotations made it eval each one again (~12 ms of `--help`).
from typing import Annotated

import typer

from release_captain.cli.app import ConfigOption, app, config_path, friendly


@app.command()
@friendly
def tui(
    config: ConfigOption = None,
    readonly: Annotated[
        bool,
        typer.Option("--readonly", help="A wall screen: show everything, allow no action."),
    ] = False,
) -> None:
    """Open the TUI: stages as columns with their targets, bake countdowns and the
    prompts that wait for a person; versions, history and logs. It refreshes from the
    state every second and works with or without `captain run` in another terminal."""
    from release_captain.service import Captain
    from release_captain.tui import make_app

    captain = Captain.from_config(config_path(config))
    try:
        make_app(captain, readonly=readonly).run()
    finally:
        captain.close()

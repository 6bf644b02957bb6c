"""Provides `captain forecast`: when a version will enter and pass each stage (SPEC §10),
as a table a person reads at a glance or as JSON for scripts."""

# No `from __future__ import annotations`: typer would eval every string annotation.
import json
import time
from typing import Annotated

import typer

from release_captain.cli.completion import complete_version
from release_captain.cli.options import ConfigOption, JsonOption, config_path, friendly


def in_how_long(at: float, now: float) -> str:
    """`in 2h 05m`, `3d 4h ago`: how far a moment is from now, two units at most."""
    gap = int(round(at - now))
    text = _span(abs(gap))
    if gap == 0:
        return "now"
    return f"in {text}" if gap > 0 else f"{text} ago"


def _span(seconds: int) -> str:
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s" if minutes < 10 else f"{minutes}m"
    return f"{secs}s"


def when(at: float | None) -> str:
    """A moment in local time, short enough for an 80-column table."""
    return "-" if at is None else time.strftime("%d %b %H:%M", time.localtime(at))


@friendly
def forecast(
    version: Annotated[
        str | None,
        typer.Argument(
            metavar="[VERSION]",
            help="v12, 12 or a commit SHA prefix; default: the newest version.",
            autocompletion=complete_version,
        ),
    ] = None,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """If nothing goes wrong, when does VERSION reach each stage? Runs the pipeline's own
    rules forward on a simulated clock: commands take the median of their recorded
    durations (a tenth of their timeout when never run, at most 10 minutes), bakes, waits
    and bake_after their length, blockers their windows; manual gates and sign-offs are
    assumed granted when reached and named under "waits for". Nothing runs, nothing is
    written."""
    from release_captain.service import Captain

    view = Captain.from_config(config_path(config)).forecast(version)
    if as_json:
        typer.echo(json.dumps(view.to_json(), indent=2))
        return
    from release_captain.cli.render import console, table

    out = table("stage", "state", "enters", "passes", "in how long", "waits for")
    for stage in view.stages:
        eta = "-" if stage.pass_at is None else in_how_long(stage.pass_at, view.now)
        out.add_row(
            stage.name,
            stage.state,
            "never" if stage.state == "never" else when(stage.enter_at),
            when(stage.pass_at),
            eta,
            ", ".join(stage.waits_for) or "-",
        )
    console.print(f"[bold]v{view.version}[/] forecast at {when(view.now)}")
    console.print(out)

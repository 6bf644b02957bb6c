"""Provides `captain metrics`: SPEC §10's delivery figures from the recorded history,
as a table a person reads at a glance or as JSON for scripts."""

# No `from __future__ import annotations`: typer would eval every string annotation.
import json
from typing import TYPE_CHECKING, Annotated

import typer

from release_captain.cli.options import ConfigOption, JsonOption, config_path, friendly

if TYPE_CHECKING:
    from release_captain.service.metrics import MetricsView, Spread

SinceOption = Annotated[
    str | None,
    typer.Option(
        "--since",
        metavar="DURATION",
        help='How far back to look: "7d", "12h", "1d12h" (at most 365d) [default: 30d].',
        show_default=False,
    ),
]


@friendly
def metrics(
    config: ConfigOption = None, as_json: JsonOption = False, since: SinceOption = None
) -> None:
    """Delivery metrics from the recorded history: per stage, the versions that entered,
    passed and were rejected, targets rolled back, change failure rate, median time in
    the stage and waiting for a person; for the last stage, deployment frequency, lead
    time and time to restore. README "captain metrics" defines each figure."""
    from release_captain.service import Captain

    view = Captain.from_config(config_path(config)).metrics(since=since)
    if as_json:
        typer.echo(json.dumps(view.to_json(), indent=2))
        return
    from release_captain.cli.render import console

    for line in metrics_lines(view):
        console.print(line)


def metrics_lines(view: "MetricsView") -> list[object]:
    """The stages as one table, then the delivery figures, readable without colour."""
    from release_captain.cli.render import table
    from release_captain.wording import iso

    out = table(
        "stage",
        "entered",
        "passed",
        "rejected",
        "rolled back",
        "failure rate",
        "time in stage",
        "person wait",
        title=f"from {iso(view.since)[:16]}Z to {iso(view.until)[:16]}Z",
    )
    for column in out.columns[1:]:
        column.justify = "right"
    for stage in view.stages:
        out.add_row(
            stage.name,
            str(stage.deployments),
            str(stage.passed),
            str(stage.rejected),
            str(stage.rolled_back),
            _percent(stage.change_failure_rate),
            _duration(stage.median_time_in_stage_s),
            _duration(stage.median_waiting_for_person_s),
        )
    delivery = view.delivery
    frequency = delivery.deployment_frequency_per_day
    return [
        out,
        "[dim]time in stage and person wait are medians; - when there is nothing to measure[/]",
        "",
        f"[bold]delivery[/] (versions that passed {delivery.stage})",
        f"  deployment frequency  {'-' if frequency is None else f'{frequency:.2f} a day'}",
        f"  lead time             {_spread(delivery.lead_time_s)}",
        f"  time to restore       {_spread(delivery.time_to_restore_s)}",
    ]


def _spread(spread: "Spread") -> str:
    if spread.median is None:
        return "-"
    return f"median {_duration(spread.median)}, p90 {_duration(spread.p90)} (over {spread.count})"


def _percent(rate: float | None) -> str:
    return "-" if rate is None else f"{rate:.0%}"


def _duration(seconds: float | None) -> str:
    """`252` -> `4m12s`; nothing -> `-`."""
    from release_captain.wording import span

    return "-" if seconds is None else span(seconds)

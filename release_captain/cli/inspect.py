"""Provides the read-only commands: `status`, `versions`, `history` and `logs`."""

# No `from __future__ import annotations`: typer would eval every string annotation.
import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from release_captain.cli.completion import (
    complete_log_place,
    complete_stage,
    complete_target_name,
    complete_version,
)
from release_captain.cli.options import (
    MAX_LIMIT,
    ConfigOption,
    JsonOption,
    config_path,
    friendly,
    stdout_closed,
)

LimitOption = Annotated[
    int | None,
    typer.Option("--limit", "-n", min=1, max=MAX_LIMIT, help="Show at most N, the newest."),
]


def _captain(config: Path | None):
    from release_captain.service import Captain

    return Captain.from_config(config_path(config))


def _v(number: int | None) -> str:
    return f"v{number}" if number is not None else "-"


@friendly
def status(config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """Per stage: passed and in-flight version, what waits and why, each target's state,
    running approvals with their countdowns; and when the newest version is expected
    through the last stage (`captain forecast` has the whole forecast)."""
    view = _captain(config).status(forecast=True)
    if as_json:
        typer.echo(json.dumps(view.to_json(), indent=2))
        return
    from release_captain.cli.render import console, status_lines

    for line in status_lines(view):
        console.print(line)


@friendly
def versions(
    config: ConfigOption = None, as_json: JsonOption = False, limit: LimitOption = None
) -> None:
    """Versions, newest first: commit, author, message, build state and how far each got."""
    captain = _captain(config)
    rows = captain.versions(limit=limit if limit or as_json else 20)
    if as_json:
        from release_captain.service.shapes import version_json

        typer.echo(json.dumps([version_json(r) for r in rows], indent=2))
        return
    from rich.markup import escape

    from release_captain.cli.render import ago, console

    order = [s.name for s in captain.pipeline.stages]
    lines = []
    for r in rows:
        reached = [s for s in order if r.stages.get(s) in ("passed", "in-flight")]
        got = ""
        if reached:
            got = reached[-1] + (" (in flight)" if r.stages[reached[-1]] == "in-flight" else "")
        got = ", ".join(
            [got] * bool(got) + [f"rejected in {s}" for s in order if r.stages.get(s) == "rejected"]
        )
        lines.append(
            (
                f"v{r.number}",
                r.commit[:8],
                ago(r.created_at),
                r.build,
                got or "-",
                (r.message.splitlines()[0] if r.message else ""),
            )
        )
    widths = [max((len(line[i]) for line in lines), default=0) for i in range(6)]
    for version, sha, age, build, got, message in lines:
        head = "  ".join(
            f.ljust(w) for f, w in zip((version, sha, age, build), widths, strict=False)
        )
        room = max(16, min(widths[5], console.width - len(head) - min(widths[4], 14) - 4))
        message = message if len(message) <= room else message[: room - 1] + "…"
        style = {"failed": "red", "building": "cyan", "pending": "dim"}.get(build, "")
        text = f"{escape(head)}  {escape(message.ljust(room))}  {escape(got)}"
        console.print(f"[{style}]{text}[/]" if style else text)


@friendly
def history(
    config: ConfigOption = None,
    as_json: JsonOption = False,
    stage: Annotated[
        str | None,
        typer.Option("--stage", help="Only this stage.", autocompletion=complete_stage),
    ] = None,
    target: Annotated[
        str | None,
        typer.Option("--target", help="Only this target.", autocompletion=complete_target_name),
    ] = None,
    limit: LimitOption = None,
) -> None:
    """The audit log of every recorded change, newest last (one JSON object per line
    with --json)."""
    from release_captain.cli.render import console, event_line
    from release_captain.service.shapes import event_json

    events = _captain(config).history(stage=stage, target=target, limit=limit)
    for event in events:
        if as_json:
            typer.echo(json.dumps(event_json(event)))
        else:
            console.print(event_line(event))


@friendly
def logs(
    version: Annotated[
        str,
        typer.Argument(
            metavar="VERSION",
            help="v12, 12 or a commit SHA prefix.",
            autocompletion=complete_version,
        ),
    ],
    where: Annotated[
        str,
        typer.Argument(
            metavar="STAGE/TARGET|build",
            help="Where it ran, or `build` for the build's output.",
            autocompletion=complete_log_place,
        ),
    ],
    config: ConfigOption = None,
    follow: Annotated[
        bool,
        typer.Option(
            "--follow",
            "-f",
            help="Keep printing, step after step, until the version is done there.",
        ),
    ] = False,
) -> None:
    """The output of the deploy, approval and rollback steps of VERSION on
    STAGE/TARGET, or of its build. With --follow it goes on printing until the version
    succeeded there, failed and was rolled back, or its stage settled it (the build:
    until it ends); Ctrl-C stops it."""
    pieces = _captain(config).log_output(version, where, follow=follow, wait=_wait_while_read)
    try:
        for piece in pieces:
            if isinstance(piece, bytes):  # streamed: a 200 MB log never sits in memory
                sys.stdout.buffer.write(piece)
                continue
            sys.stdout.buffer.flush()
            typer.secho(str(piece), bold=True)
            sys.stdout.flush()
        sys.stdout.buffer.flush()
    except KeyboardInterrupt:
        if not follow:
            raise
        sys.stdout.buffer.flush()  # following ends when the person says so: no error


def _wait_while_read(seconds: float) -> None:
    """Sleep between polls of a followed log, unless nobody reads stdout any more
    (`captain logs -f ... | head -1`): then end as a closed pipe ends every command."""
    if stdout_closed():
        raise BrokenPipeError
    time.sleep(seconds)


@friendly
def where(
    commit: Annotated[
        str,
        typer.Argument(
            metavar="COMMIT|VERSION",
            help="A commit SHA or a prefix of one, or a version (v12, 12).",
            autocompletion=complete_version,
        ),
    ],
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Where is my commit? The version that includes it and, per stage and target,
    whether it runs there, passed, was rejected or superseded, or waits and why."""
    view = _captain(config).where(commit)
    if as_json:
        typer.echo(json.dumps(view.to_json(), indent=2))
        return
    from rich.markup import escape

    from release_captain.cli.render import console, table

    summary = view.message.splitlines()[0] if view.message else ""
    console.print(
        f"commit {view.commit[:10]} is in [bold]v{view.version}[/] (build {view.build}) "
        f"{escape(summary)}"
    )
    out = table("stage", "state", "targets running it", "why")
    for stage in view.stages:
        running = [t.target for t in stage.targets if t.running]
        failed = [t.target for t in stage.targets if t.deployment == "failed"]
        where_ = ", ".join(running) or "-"
        if failed:
            where_ += f" (failed on {', '.join(failed)})"
        out.add_row(stage.stage, stage.state, where_, escape(stage.reason))
    console.print(out)


@friendly
def blockers(config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """Each blocker: whether it is active now, until when, and its next change."""
    views = _captain(config).blockers()
    if as_json:
        typer.echo(json.dumps([v.to_json() for v in views], indent=2))
        return
    from release_captain.cli.render import console, table

    if not views:
        console.print("no blockers are defined in the pipeline")
        return
    out = table("blocker", "state", "next change", "stages", "why")
    for view in views:
        change = "never (within 400 days)"
        if view.next_change is not None:
            change = time.strftime("%a %Y-%m-%d %H:%M %Z", time.localtime(view.next_change))
        out.add_row(
            view.name,
            "[bold red]active[/]" if view.active else "[green]inactive[/]",
            change,
            ", ".join(view.stages) or "-",
            view.reason,
        )
    console.print(out)

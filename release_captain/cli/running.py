"""Provides `captain validate`, `captain schema` and `captain run`: checking the pipeline,
describing its shape to editors, and running the engine with one progress line per
event."""

# No `from __future__ import annotations`: typer would eval every string annotation.
import signal
import sys
import threading
from typing import TYPE_CHECKING, Annotated

import typer

from release_captain.cli import launcher
from release_captain.cli.options import ConfigOption, NotifyOption, config_path, finite, friendly

if TYPE_CHECKING:
    from release_captain.service import Event


@friendly
def validate(
    config: ConfigOption = None,
    expanded: Annotated[
        bool,
        typer.Option(
            "--expanded",
            help=(
                "Print the pipeline as the engine sees it, as TOML: waves expanded into "
                "stages, defaults and variables merged."
            ),
        ),
    ] = False,
) -> None:
    """Check pipeline.toml and print the expanded stages and targets.

    Also checks what it can see on this machine: local sources (path, git repository,
    branch), the files commands run, artefact patterns. Every problem is reported at
    once with its key path; exit 2 when there is any.
    """
    from release_captain.cli.render import console, table
    from release_captain.config.checks import check_files
    from release_captain.config.expanded import expanded_toml
    from release_captain.errors import ConfigError
    from release_captain.service import Captain

    captain = Captain.from_config(config_path(config))
    pipeline = captain.pipeline
    if problems := check_files(pipeline):
        count = len(problems)
        summary = problems[0] if count == 1 else f"{pipeline.path.name} has {count} problems"
        raise ConfigError(summary, tuple(problems))
    if expanded:
        sys.stdout.write(expanded_toml(pipeline))
        return
    out = table("stage", "promotion", "targets", "steps", title=f"pipeline {pipeline.name}")
    for stage in pipeline.stages:
        targets = ", ".join(t.name for t in stage.targets)
        steps = " → ".join(captain.step_names(stage.name))
        wave = f" (wave {stage.wave}/{stage.waves})" if stage.wave else ""
        out.add_row(stage.name + wave, stage.promotion, targets, steps)
    console.print(out)
    sources = ", ".join(f"{s.name} ({s.repo} {s.branch})" for s in pipeline.sources)
    console.print(f"sources: {sources}\nstate: {pipeline.state_dir}")
    console.print("[green]pipeline.toml is valid[/]")


@friendly
def schema(config: ConfigOption = None) -> None:
    """Print the JSON Schema (draft 2020-12) of pipeline.toml, for editors.

    Editors that read a `#:schema` line (taplo, Even Better TOML in VS Code) then
    complete keys, show what each means and flag unknown keys and wrong types as you
    type. Save it next to the pipeline and name it on the file's first line:

        captain schema > pipeline.schema.json

        #:schema ./pipeline.schema.json

    The schema checks the file's shape; `captain validate` still checks the rest
    (references, windows, commands on disk). It is the same for every pipeline file,
    so --config is accepted, as by every command, but not read.
    """
    import json

    from release_captain.config.schema import json_schema

    sys.stdout.write(json.dumps(json_schema(), indent=2) + "\n")


@friendly
def run(
    config: ConfigOption = None,
    headless: Annotated[
        bool, typer.Option("--headless", help="Plain progress lines instead of the TUI.")
    ] = False,
    until_idle: Annotated[
        bool,
        typer.Option(
            "--until-idle",
            help=(
                "Exit 0 once nothing runs and nothing can start without a person, a new "
                "commit or a blocker lifting."
            ),
        ),
    ] = False,
    notify: NotifyOption = False,
) -> None:
    """Run the engine: watch the sources, build each new version once, promote it.

    One engine per state directory; a second one exits 3 naming the first one's pid.
    Ctrl-C stops it; what it cut off runs again at the next start.
    """
    from release_captain.cli.progress import event_printer
    from release_captain.service import Captain

    captain = Captain.from_config(config_path(config))
    if sys.stdout.isatty() and not headless:
        try:
            launcher.tui().run(captain, until_idle=until_idle, notify=notify)
        finally:
            captain.close()
        return
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        failures = captain.run(
            until_idle=until_idle,
            stop=stop,
            on_event=event_printer(),
        )
    except BaseException:
        captain.close()
        raise
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    captain.close()
    if until_idle and failures:
        # SPEC §9: a script learns from the exit code that a version failed meanwhile.
        typer.echo("failed during this run: " + "; ".join(_failure(e) for e in failures))
        raise typer.Exit(1)


def _failure(event: "Event") -> str:
    """`v3 rejected in prod-wave-2 (failed on eu-west-1)`, `v4's build failed (…)`."""
    version = f"v{event.version}" if event.version is not None else "a version"
    if event.kind == "build.failed":
        return f"{version}'s build failed ({event.detail})"
    return f"{version} rejected in {event.stage} ({event.detail})"


@friendly
def demo(
    config: ConfigOption = None,
    headless: Annotated[
        bool,
        typer.Option("--headless", help="Progress lines, and the demo approves for you."),
    ] = False,
    speed: Annotated[
        float,
        typer.Option(
            "--speed",
            help="Scale every bake, wait and bake_after (2 = twice as fast).",
            # Slower than 1/100 would stretch the demo's bakes past any sensible wait.
            min=0.01,
            max=10000,
            callback=finite,
        ),
    ] = 1.0,
) -> None:
    """The sample service through the reference pipeline, start to finish.

    Copies sample-repo/ into a fresh git repository in the state directory and plays a
    story of four commits: a first release, a good change while it is still in
    production, a bad change that alarms in one production region and is rolled back
    there, and a fix. Every service process stops at the end (Ctrl-C included); a
    second run starts clean. Run it from the project's folder.
    """
    from release_captain.cli.progress import event_printer
    from release_captain.cli.render import console, table
    from release_captain.demo import Demo, foresights, prepare, summary
    from release_captain.service import Captain

    path = config_path(config)
    if not path.is_file():
        from release_captain.errors import UsageError

        raise UsageError(
            f"captain demo runs from the release-captain project's folder: it needs "
            f"{path} and sample-repo/ there"
        )
    console.print(f"[bold]captain demo[/]: preparing a fresh sample repository for {path} …")
    pipeline = prepare(path, speed=speed)
    in_tui = sys.stdout.isatty() and not headless
    who = "you approve them on the board: press a" if in_tui else "approved here by the demo"
    console.print(
        "The engine builds each commit once and promotes it: beta → gamma (a manual gate and "
        f"a QA sign-off;\n{who}) → three production waves with onebox and bakes. "
        + (
            "The story's turns appear as notifications.\n"
            if in_tui
            else "Story lines start with ▶.\n"
        )
    )
    if in_tui:
        forecasts = launcher.tui().demo(pipeline)
    else:
        story = Demo(
            pipeline,
            say=lambda text: console.print(f"[bold magenta]▶ {text}[/]"),
            on_event=event_printer(),
            approve=True,
        )
        story.play()
        forecasts = story.forecasts
    captain = Captain(pipeline)
    out = table(
        "version", "change", "got to", "what happened", title="\nThe story, version by version"
    )
    for row in summary(captain):
        out.add_row(*row)
    console.print(out)
    foreseen = table(
        "version",
        "forecast at build",
        "passed",
        "off by",
        title=f"\nWhen each would pass {pipeline.stages[-1].name}: the forecast at its build",
    )
    for row in foresights(captain, forecasts):
        foreseen.add_row(*row)
    console.print(foreseen)
    console.print(
        "\nEvery service process is stopped. Look around with `captain versions`, "
        "`captain history`, `captain where <sha>` or `captain tui`."
    )

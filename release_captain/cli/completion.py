"""Provides the shell completion of `captain`'s arguments: stage names, `stage/target`
names and versions, read from the pipeline that `-c/--config` or `$CAPTAIN_CONFIG`
names (else `./pipeline.toml`) and from its state.

Each callback only picks the pipeline file and filters by what was typed; the names
come from `service.names`, which never writes and never fails aloud.
"""

from __future__ import annotations

from pathlib import Path

import typer

from release_captain.cli.options import config_path


def _config(ctx: typer.Context) -> Path:
    """The pipeline file named before the word being completed, else the default."""
    given = ctx.params.get("config")  # a str: completion parses without converting
    return config_path(Path(given) if isinstance(given, str | Path) and given else None)


def _starting(names: list[str], incomplete: str) -> list[str]:
    return [name for name in names if name.startswith(incomplete)]


def complete_stage(ctx: typer.Context, incomplete: str) -> list[str]:
    """A stage of the pipeline."""
    from release_captain.service.names import stage_names

    return _starting(stage_names(_config(ctx)), incomplete)


def complete_target(ctx: typer.Context, incomplete: str) -> list[str]:
    """A `stage/target`, or a bare stage meaning all its targets."""
    from release_captain.service.names import target_names

    return _starting(target_names(_config(ctx), bare_stages=True), incomplete)


def complete_log_place(ctx: typer.Context, incomplete: str) -> list[str]:
    """Where `captain logs` reads: `build`, or one `stage/target`."""
    from release_captain.service.names import target_names

    return _starting(["build", *target_names(_config(ctx))], incomplete)


def complete_target_name(ctx: typer.Context, incomplete: str) -> list[str]:
    """A target name alone (`history --target`), of `--stage` when given before it."""
    from release_captain.service.names import bare_target_names

    stage = ctx.params.get("stage")
    names = bare_target_names(_config(ctx), stage if isinstance(stage, str) else None)
    return _starting(names, incomplete)


def complete_version(ctx: typer.Context, incomplete: str) -> list[str]:
    """A recorded version, newest first (`v12`; `12` completes too)."""
    from release_captain.service.names import version_names

    names = version_names(_config(ctx))
    if incomplete[:1].isdigit():
        return _starting([name[1:] for name in names], incomplete)
    return _starting(names, incomplete)

"""Provides `captain init`: a working starter pipeline for the repository in the current
folder (SPEC §9)."""

# No `from __future__ import annotations`: typer would eval every string annotation.
import os
import shlex
from pathlib import Path
from typing import Annotated

import typer

from release_captain.cli.options import ConfigOption, config_path, friendly


@friendly
def init(
    config: ConfigOption = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Overwrite pipeline.toml and the deploy/ scripts."),
    ] = False,
) -> None:
    """Write pipeline.toml and its scripts (deploy/ beside it) for the git repository here.

    The pipeline fits the project it finds (a Python project with pyproject.toml builds a
    wheel and runs its tests against the installed wheel; a Node project with
    package.json runs npm pack and npm test; any other repository a git archive
    tarball) and runs through every stage on this machine, unchanged, with local
    targets under .captain/. Its comments say what to change for real targets. Refuses
    (exit 3, nothing written) when one of the files exists, unless --force.
    """
    from release_captain.starter import STATE_DIR, write_starter

    path = config_path(config)
    starter = write_starter(path, force=force)
    typer.echo(f"Found {starter.kind.found}.")
    for file in starter.written:
        typer.echo(f"  wrote {os.path.relpath(file)}")
    option = "" if path == Path("pipeline.toml") else f" -c {shlex.quote(str(path))}"
    typer.echo(
        f"\nThe pipeline watches branch '{starter.repository.branch}'. Next:\n"
        f"  captain validate{option}\n"
        f"  captain run{option} --headless --until-idle"
    )
    if not starter.state_ignored:
        typer.echo(
            f"\nThe state directory {STATE_DIR}/ belongs in no commit: "
            f"echo '{STATE_DIR}/' >> .gitignore"
        )

"""Provides `captain init`: a working starter pipeline for the repository in the current
folder (SPEC §9)."""

# No `from __future__ import annotations`: typer would eval every string annotation.
from pathlib import Path
from typing import Annotated

import typer

from release_captain.cli.options import friendly


@friendly
def init(
    force: Annotated[
        bool,
        typer.Option("--force", help="Overwrite pipeline.toml and the deploy/ scripts."),
    ] = False,
) -> None:
    """Write pipeline.toml and its scripts (deploy/) for the git repository here.

    The pipeline fits the project it finds (a Python project with pyproject.toml builds a
    wheel and runs its tests against the installed wheel; a Node project with
    package.json runs npm pack and npm test; any other repository a git archive
    tarball) and runs through every stage on this machine, unchanged, with local
    targets under .captain/. Its comments say what to change for real targets. Refuses
    (exit 3, nothing written) when one of the files exists, unless --force.
    """
    from release_captain.starter import STATE_DIR, write_starter

    folder = Path.cwd()
    starter = write_starter(folder, force=force)
    typer.echo(f"Found {starter.kind.found}.")
    for path in starter.written:
        typer.echo(f"  wrote {path.relative_to(folder).as_posix()}")
    typer.echo(
        f"\nThe pipeline watches branch '{starter.repository.branch}'. Next:\n"
        f"  captain validate                      check it, see its stages\n"
        f"  captain run --headless --until-idle   take the head through every stage"
    )
    if not starter.state_ignored:
        typer.echo(
            f"\nThe state directory {STATE_DIR}/ belongs in no commit: "
            f"echo '{STATE_DIR}/' >> .gitignore"
        )

"""Provides `captain preview`: a branch's preview environment (SPEC §11) deployed, listed
(`--list [--json]`) or taken down (`--down`)."""

# No `from __future__ import annotations`: typer would eval every string annotation.
import json
from typing import TYPE_CHECKING, Annotated

import typer

from release_captain.cli.options import ConfigOption, JsonOption, config_path, friendly
from release_captain.errors import UsageError

if TYPE_CHECKING:
    from release_captain.service.previews import PreviewView


@friendly
def preview(
    branch: Annotated[
        str | None,
        typer.Argument(metavar="[BRANCH]", help="The branch to preview, e.g. feature/login."),
    ] = None,
    config: ConfigOption = None,
    listing: Annotated[
        bool, typer.Option("--list", help="List the previews: branch, name, commit, URL, state.")
    ] = False,
    down: Annotated[
        str | None,
        typer.Option(
            "--down", metavar="BRANCH", help="Run [preview] teardown for BRANCH and forget it."
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Ship BRANCH's head to a preview environment of its own, outside the stages: built
    once with [build] (never a vN), deployed with [preview] deploy, which gets
    CAPTAIN_ACTION=preview, CAPTAIN_PREVIEW (the branch made safe: lower case, a-z 0-9 -),
    CAPTAIN_COMMIT, CAPTAIN_ARTEFACTS and CAPTAIN_PREVIEW_URL_FILE (write the preview's URL
    there and it is printed and recorded). Run again on the same head it does nothing; on
    a new head it builds and deploys again. Exit 1 when the build or deploy fails."""
    from release_captain.service import Captain
    from release_captain.service import previews as service

    asked = [
        name for name, given in (("BRANCH", branch), ("--list", listing), ("--down", down)) if given
    ]
    if len(asked) != 1:
        raise UsageError("give one of BRANCH, --list or --down BRANCH")
    if as_json and not listing:
        raise UsageError("--json goes with --list")
    captain = Captain.from_config(config_path(config))
    if listing:
        _print_list(service.previews(captain), as_json=as_json)
    elif down is not None:
        result = service.down(captain, down)
        typer.echo(f"preview of {down} {result.detail}")
    elif branch is not None:
        result = service.preview(captain, branch)
        view = result.view
        assert view is not None  # a preview that was kept is recorded
        said = "already runs" if not result.changed else "deployed"
        typer.echo(f"preview {view.preview} {said} {branch} at {view.commit[:12]}")
        if view.url:
            typer.echo(view.url)


def _print_list(rows: "list[PreviewView]", *, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps([v.to_json() for v in rows], indent=2))
        return
    if not rows:
        typer.echo("no previews")
        return
    from release_captain.cli.render import console, table

    out = table("branch", "preview", "commit", "state", "url")
    for v in rows:
        out.add_row(v.branch, v.preview, v.commit[:12], v.state, v.url or "-")
    # The name and the URL are what a person copies: a narrow terminal or a pipe wraps
    # the branch instead of cutting them.
    for index, values in ((1, [v.preview for v in rows]), (4, [v.url or "-" for v in rows])):
        out.columns[index].min_width = max(map(len, values), default=1)
    console.print(out)

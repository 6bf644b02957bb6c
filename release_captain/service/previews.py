"""Provides the preview environments of a pipeline (SPEC §11) as the faces use them:
`preview`, `previews` and `down` over one `Captain`, and `PreviewView`, the shape of
`captain preview --list --json`.

A preview is a person's own move on a branch, outside the stages, so it is carried out
in the calling process (`runtime.previews.Previewer`) whether or not an engine runs;
the per-preview lock keeps it from meeting the engine's watch of the same branch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from msgspec import Struct

from release_captain.errors import OperationFailed
from release_captain.store.previews import PreviewRow
from release_captain.wording import iso

if TYPE_CHECKING:
    from release_captain.runtime.previews import Previewer
    from release_captain.service.captain import Captain


class PreviewView(Struct, frozen=True, kw_only=True):
    """One branch's preview."""

    branch: str
    #: The branch made safe (lower case, `[a-z0-9-]`): its `CAPTAIN_PREVIEW`.
    preview: str
    commit: str
    #: What the deploy wrote into `CAPTAIN_PREVIEW_URL_FILE`, if anything.
    url: str | None
    #: building, deploying, deployed, failed or tearing-down.
    state: str
    updated_at: float
    #: How the last build, deploy or teardown ended, in one sentence.
    detail: str

    def to_json(self) -> dict[str, Any]:
        """SPEC §11's fields of `captain preview --list --json`."""
        return {
            "branch": self.branch,
            "preview": self.preview,
            "commit": self.commit,
            "url": self.url,
            "state": self.state,
            "updated_at": iso(self.updated_at),
        }


class PreviewResult(Struct, frozen=True, kw_only=True):
    """What `captain preview BRANCH` or `--down BRANCH` did."""

    #: The preview afterwards; None once it was torn down.
    view: PreviewView | None
    #: False when the preview already ran the branch's head: nothing was done.
    changed: bool
    detail: str


def view_of(row: PreviewRow) -> PreviewView:
    """The recorded row as the faces show it."""
    return PreviewView(
        branch=row.branch,
        preview=row.preview,
        commit=row.commit,
        url=row.url,
        state=row.state,
        updated_at=row.updated_at,
        detail=row.detail,
    )


def previews(captain: Captain) -> list[PreviewView]:
    """Every preview, by branch."""
    return [view_of(row) for row in captain.store.previews.all()]


def preview(captain: Captain, branch: str) -> PreviewResult:
    """Build and deploy `branch`'s head as its preview; nothing when it runs that head
    already. Raises `OperationFailed` (exit 1) when the build or the deploy fails."""
    outcome = _previewer(captain).keep(branch)
    if not outcome.ok:
        raise OperationFailed(
            f"the preview of '{branch}' failed: {outcome.detail} (log: {outcome.log})"
        )
    view = None if outcome.row is None else view_of(outcome.row)
    return PreviewResult(view=view, changed=outcome.changed, detail=outcome.detail)


def down(captain: Captain, branch: str) -> PreviewResult:
    """Run the teardown of `branch`'s preview and forget it. Raises `OperationFailed`
    when the teardown fails (the preview is kept, so it can be tried again)."""
    outcome = _previewer(captain).down(branch)
    if not outcome.ok:
        raise OperationFailed(
            f"the preview of '{branch}' was not torn down: {outcome.detail} (log: {outcome.log})"
        )
    return PreviewResult(view=None, changed=True, detail=outcome.detail)


def _previewer(captain: Captain) -> Previewer:
    from release_captain.runtime.previews import Previewer

    return Previewer(captain.pipeline, captain.store, runner=captain.runner)

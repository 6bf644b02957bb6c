"""Provides `StoryPreview`, the demo's preview environment (SPEC §11): a feature branch
pushed beside the mainline, deployed as a preview of the sample service through the
service layer (as `captain preview` does) while the versions roll out, and torn down at
the end of the story.

The branch is committed in a worktree of its own, so the story's mainline commits, made
in the demo repository's working tree, never see it.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable

from release_captain.runtime.git_authoring import commit, git
from release_captain.service import Captain, previews

#: The branch the story previews; the reference pipeline's `[preview] branches` allows it.
BRANCH = "feature/greeting"
#: The change the branch makes: a line added to the sample service's README.
CHANGE = ("README.md", "\nTry it: `curl http://127.0.0.1:PORT/` answers with a greeting.\n")
MESSAGE = "Say in the README how to try the service"


class StoryPreview:
    """The preview of `BRANCH`: pushed and deployed once, taken down once."""

    def __init__(self, captain: Captain, *, say: Callable[[str], None], author: str) -> None:
        self._captain = captain
        self._say = say
        self._author = author
        #: Its URL once deployed.
        self.url: str | None = None
        #: Whether a deploy was started and not yet taken down.
        self._up = False

    def push(self) -> None:
        """Commit the change on `BRANCH`, forked from the mainline's head."""
        repo = self._captain.pipeline.primary.path
        folder = repo.parent / "demo-feature-worktree"
        shutil.rmtree(folder, ignore_errors=True)
        git(repo, "worktree", "prune")
        git(repo, "worktree", "add", "--quiet", "-b", BRANCH, str(folder))
        try:
            name, text = CHANGE
            commit(folder, {name: (folder / name).read_text() + text}, MESSAGE, author=self._author)
        finally:
            git(repo, "worktree", "remove", "--force", str(folder))

    def deploy(self) -> None:
        """Build and deploy the branch's head as its preview, and say where it runs.
        Raises the service's `CaptainError` when the build or the deploy fails."""
        self._up = True
        result = previews.preview(self._captain, BRANCH)
        self.url = result.view.url if result.view is not None else None
        self._say(f"{BRANCH} was pushed; its preview runs at {self.url or 'no URL'}")

    def take_down(self, *, quietly: bool = False) -> None:
        """Run the preview's teardown (its service stops) and forget it."""
        if not self._up:
            return
        self._up = False
        previews.down(self._captain, BRANCH)
        if not quietly:
            self._say(f"the preview of {BRANCH} was torn down")

"""The diff before an approval (issue 14, item 6): the commits a waiting version brings
over what the stage last passed, read from the store, and the files they touch, read
from the source's git repository; an unreachable repository is said, not raised."""

from __future__ import annotations

import shutil

import pytest

from release_captain.errors import StateConflict, UsageError
from release_captain.service import CommitChange, FileTouch
from release_captain.testing_git import commit, init_repo
from tests.service.conftest import MakeService
from tests.service.kit import Service

STAGES = """
[[stages]]
name = "beta"
targets = ["local"]

[[stages]]
name = "prod"
targets = ["a"]
promotion = "manual"
"""


def _commit(service: Service, files: dict[str, str], message: str, author: str) -> str:
    """A real commit in the source's repository, then seen by the engine."""
    path = service.h.pipeline.sources[0].path
    if not path.exists():
        init_repo(path)
    sha = commit(path, files, message)
    service.commit(sha, message, author)
    return sha


def test_the_commits_and_files_since_the_passed_version(make_service: MakeService) -> None:
    service = make_service(STAGES)
    _commit(service, {"app.py": "1\n"}, "First", "Ada")
    service.captain.approve("prod", version=1)
    service.settle()
    second = _commit(service, {"app.py": "2\n", "lib/x.py": "x\n"}, "Second", "Grace")
    third = _commit(service, {"app.py": "3\n"}, "Third", "Linus")

    view = service.captain.changes("prod", 3)

    assert (view.stage, view.version, view.since) == ("prod", 3, 1)
    assert view.commits == (
        CommitChange(version=3, source="app", sha=third, author="Linus", summary="Third"),
        CommitChange(version=2, source="app", sha=second, author="Grace", summary="Second"),
    )
    assert view.files == (
        FileTouch(path="app.py", commits=2),
        FileTouch(path="lib/x.py", commits=1),
    )
    assert view.files_note == ""


def test_nothing_passed_yet_shows_the_versions_own_commits(make_service: MakeService) -> None:
    service = make_service(STAGES)
    first = _commit(service, {"app.py": "1\n"}, "First", "Ada")

    view = service.captain.changes("prod", 1)

    assert view.since is None
    assert [c.sha for c in view.commits] == [first]
    assert view.files == (FileTouch(path="app.py", commits=1),)


def test_an_unreachable_repository_is_said_and_the_commits_still_shown(
    make_service: MakeService,
) -> None:
    service = make_service(STAGES)
    first = _commit(service, {"app.py": "1\n"}, "First", "Ada")
    shutil.rmtree(service.h.pipeline.sources[0].path)

    view = service.captain.changes("prod", 1)

    assert [c.sha for c in view.commits] == [first]
    assert view.files == ()
    assert view.files_note.startswith("the repository of app is not reachable: ")
    assert "does not exist" in view.files_note


def test_a_stage_or_version_that_does_not_exist_is_refused(make_service: MakeService) -> None:
    service = make_service(STAGES)
    _commit(service, {"app.py": "1\n"}, "First", "Ada")
    with pytest.raises(UsageError, match="no stage named 'qa'"):
        service.captain.changes("qa", 1)
    with pytest.raises(StateConflict, match="there is no version v9"):
        service.captain.changes("prod", 9)

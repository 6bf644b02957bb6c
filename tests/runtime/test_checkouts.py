"""The version trees behind CAPTAIN_CHECKOUT: made once, never half, removed when unused."""

from __future__ import annotations

from pathlib import Path

import pytest

from release_captain.engine.in_use import versions_in_use
from release_captain.engine.state import (
    StageVersion,
    State,
    StepKind,
    StepRecord,
    StepState,
    VersionRecord,
)
from release_captain.errors import CaptainError
from release_captain.runtime.checkouts import Checkouts
from release_captain.testing import FakeSource
from tests.engine.builders import pipeline, stage


class CountingSource(FakeSource):
    def __init__(self) -> None:
        super().__init__("app")
        self.made: list[str] = []

    def checkout(self, sha: str, dest: Path) -> None:
        self.made.append(sha)
        super().checkout(sha, dest)


class BrokenSource(FakeSource):
    def checkout(self, sha: str, dest: Path) -> None:
        dest.mkdir(parents=True)
        (dest / "half").write_text("")
        raise CaptainError(f"commit {sha} is gone")


def test_a_versions_tree_is_made_once_and_shared(tmp_path: Path) -> None:
    source = CountingSource()
    trees = Checkouts(tmp_path / "checkouts", source)
    first = trees.tree(3, "a" * 40)
    assert trees.tree(3, "a" * 40) == first == tmp_path / "checkouts" / "v3"
    assert (first / "COMMIT").read_text() == "a" * 40
    assert source.made == ["a" * 40]


def test_a_failed_checkout_leaves_no_tree_under_the_versions_name(tmp_path: Path) -> None:
    trees = Checkouts(tmp_path / "checkouts", BrokenSource("app"))
    with pytest.raises(CaptainError, match="is gone"):
        trees.tree(3, "a" * 40)
    assert list((tmp_path / "checkouts").iterdir()) == []


def test_keep_only_removes_other_trees_and_half_made_leftovers(tmp_path: Path) -> None:
    trees = Checkouts(tmp_path / "checkouts", FakeSource("app"))
    for number in (1, 2, 3):
        trees.tree(number, str(number) * 40)
    leftover = tmp_path / "checkouts" / "v4.partial-999"
    leftover.mkdir()
    (trees.tree(2, "2" * 40) / "COMMIT").chmod(0o400)  # a step left a read-only file
    trees.keep_only({2})
    assert sorted(p.name for p in (tmp_path / "checkouts").iterdir()) == ["v2"]
    trees.keep_only(())
    assert list((tmp_path / "checkouts").iterdir()) == []


def test_versions_in_use_are_in_flight_deployed_by_a_running_step_or_next_in_line() -> None:
    def step(version: int, state: StepState, to: int | None = None) -> StepRecord:
        kind: StepKind = "rollback" if to else "deploy"
        return StepRecord(
            id=version, stage="gamma", target="one", version=version, index=0, name=kind,
            kind=kind, onebox=False, state=state, started_at=0.0, to_version=to,
        )  # fmt: skip

    def passed(stage: str, version: int) -> StageVersion:
        return StageVersion(stage=stage, version=version, state="passed")

    three = pipeline(stage("beta"), stage("gamma"), stage("prod"))
    state = State(
        versions=tuple(
            VersionRecord(number=n, build="succeeded", created_at=0.0) for n in (1, 2, 3, 4, 5, 6)
        ),  # fmt: skip
        stage_versions={
            ("beta", 1): passed("beta", 1),
            ("gamma", 1): passed("gamma", 1),
            ("prod", 1): passed("prod", 1),
            ("beta", 2): passed("beta", 2),
            ("gamma", 2): passed("gamma", 2),
            ("beta", 3): passed("beta", 3),
            ("gamma", 3): StageVersion(stage="gamma", version=3, state="rejected"),
            ("beta", 4): passed("beta", 4),
            ("beta", 5): StageVersion(stage="beta", version=5, state="in-flight"),
        },
        last_taken={"beta": 5, "gamma": 3, "prod": 1},
        steps=(step(3, "running", to=2), step(4, "passed")),
    )
    # beta verifies v5; gamma rolls v3 back to v2; v4 passed beta and is gamma's next,
    # v2 passed gamma and is prod's next; v6 is beta's next (built, not taken yet).
    # v1 passed everywhere: its tree goes.
    assert versions_in_use(three, state) == {2, 3, 4, 5, 6}

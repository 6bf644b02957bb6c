"""SPEC §2 "last good" (used by rules R7 and R8): the newest version older than the one a
target runs that succeeded there and is not rejected in the target's stage — settled, or
rejected by a person while still in flight — and None when there is none."""

from __future__ import annotations

import pytest

from release_captain.engine.last_good import last_good, succeeded_in_stage
from tests.engine.builders import StateBuilder


def runs_v3(succeeded: tuple[int, ...]) -> StateBuilder:
    """prod/r runs v3; `succeeded` are the older versions that succeeded there."""
    return StateBuilder().built(1, 2, 3).target("prod", "r", 3, succeeded=succeeded)


@pytest.mark.parametrize(
    ("builder", "also_rejected", "expected"),
    [
        pytest.param(runs_v3((2, 1)), (), 2, id="newest-older-success"),
        pytest.param(runs_v3((2, 1)).rejected("prod", 2), (), 1, id="skips-settled-rejection"),
        pytest.param(
            runs_v3((2, 1)).at("prod", 2, "in-flight").grant("prod", 2, "reject"),
            (),
            1,
            id="skips-person-rejection-in-flight",
        ),
        pytest.param(
            runs_v3((2, 1)).rejected("prod", 2).rejected("prod", 1), (), None, id="all-rejected"
        ),
        pytest.param(runs_v3((2, 1)).rejected("gamma", 2), (), 2, id="rejection-is-per-stage"),
        pytest.param(
            runs_v3((2, 1)).grant("prod", 2, "entry").grant("prod", 2, "signoff"),
            (),
            2,
            id="an-approval-is-no-rejection",
        ),
        pytest.param(runs_v3(()), (), None, id="nothing-succeeded-before"),
        pytest.param(runs_v3((2, 1)), (2,), 1, id="also-rejected-skipped"),
        pytest.param(runs_v3((2, 1)), (2, 1), None, id="also-rejected-all"),
        pytest.param(runs_v3((2, 1)), (3,), 2, id="also-rejected-current-is-irrelevant"),
        pytest.param(StateBuilder().built(1), (), None, id="target-never-ran"),
    ],
)
def test_last_good(
    builder: StateBuilder, also_rejected: tuple[int, ...], expected: int | None
) -> None:
    assert last_good(builder.state(), "prod", "r", also_rejected=also_rejected) == expected


def test_another_targets_history_is_not_this_ones() -> None:
    state = runs_v3((2, 1)).target("prod", "other", 3, succeeded=()).state()
    assert last_good(state, "prod", "other") is None
    assert last_good(state, "prod", "r") == 2


@pytest.mark.parametrize(
    ("builder", "expected"),
    [
        pytest.param(StateBuilder().built(2).at("prod", 2, "passed"), True, id="passed-stage"),
        pytest.param(
            StateBuilder()
            .built(2)
            .at("prod", 2, "in-flight")
            .deployment("prod", "r", 2, "succeeded"),
            True,
            id="succeeded-on-a-target",
        ),
        pytest.param(
            StateBuilder().built(2).at("prod", 2, "in-flight").deployment("prod", "r", 2, "failed"),
            False,
            id="failed-on-a-target",
        ),
        pytest.param(
            StateBuilder()
            .built(2)
            .at("prod", 2, "in-flight")
            .deployment("prod", "r", 2, "running"),
            False,
            id="still-running",
        ),
        pytest.param(StateBuilder().built(2).at("prod", 2, "superseded"), False, id="superseded"),
        pytest.param(
            StateBuilder()
            .built(2)
            .at("gamma", 2, "passed")
            .deployment("gamma", "r", 2, "succeeded"),
            False,
            id="only-in-another-stage",
        ),
    ],
)
def test_succeeded_in_stage(builder: StateBuilder, expected: bool) -> None:
    assert succeeded_in_stage(builder.state(), "prod", 2) is expected

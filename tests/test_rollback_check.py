"""SPEC §11: the rollback-safety check through the reconcile loop with a fake clock and
scripted commands: redeploy the last good version, check it, deploy the new one again,
check it; four recorded steps, a failure of any of them failing the version in the
stage, and a target with no last good version passing at once."""

from __future__ import annotations

from pathlib import Path

from release_captain.engine.rollback_check import NO_LAST_GOOD
from release_captain.testing import Call, Harness, harness

PIPELINE = """
[pipeline]
name = "rbcheck"

[[sources]]
name = "app"
repo = "repo"

[build]
run = ["make"]

[defaults]
deploy = "deploy"

[[stages]]
name = "gamma"
targets = ["us-east-1"]
approvals = [{ name = "rollback-safety", rollback_check = true, run = "smoke" }]
"""

OK = {"make": 0, "deploy": 0, "smoke": 0}

PARTS = [
    "rollback-safety: redeploy last good",
    "rollback-safety: check last good",
    "rollback-safety: deploy new again",
    "rollback-safety: check new",
]


def commit(h: Harness, sha: str) -> None:
    h.sources["app"].commit_to(sha, "change")
    h.announce_commit()
    h.settle()


def target(h: Harness) -> tuple[int | None, str]:
    version, state, *_ = h.store.views.targets()[("gamma", "us-east-1")]
    return version, state


def stage_state(h: Harness, version: int) -> str:
    (row,) = h.store.views.versions(numbers=[version])
    return row.stages["gamma"]


def what_ran(h: Harness) -> list[tuple[str, str, str]]:
    """(command, CAPTAIN_ACTION, CAPTAIN_VERSION) of every deploy and smoke, in order."""
    return [
        (c.command, c.env["CAPTAIN_ACTION"], c.env["CAPTAIN_VERSION"])
        for c in h.runner.calls
        if c.command in ("deploy", "smoke")
    ]


def test_on_a_target_with_no_last_good_version_the_check_passes_at_once(tmp_path: Path) -> None:
    h = harness(tmp_path, PIPELINE, script=OK)
    commit(h, "a1")
    assert stage_state(h, 1) == "passed"
    assert target(h) == (1, "succeeded")
    assert what_ran(h) == [("deploy", "deploy", "v1")]  # nothing redeployed, nothing run
    steps = h.store.views.steps(stage="gamma", target="us-east-1", version=1)
    assert [(s.name, s.state) for s in steps[1:]] == [(name, "passed") for name in PARTS]
    assert steps[1].detail == NO_LAST_GOOD
    passed = [e.detail for e in h.kinds("step.passed")]
    assert f"{PARTS[0]}: {NO_LAST_GOOD}" in passed


def test_a_check_that_passes_redeploys_last_good_checks_it_and_rolls_forward(
    tmp_path: Path,
) -> None:
    h = harness(tmp_path, PIPELINE, script=OK)
    commit(h, "a1")
    h.runner.calls.clear()
    commit(h, "a2")
    assert stage_state(h, 2) == "passed"
    assert target(h) == (2, "succeeded")
    assert what_ran(h) == [
        ("deploy", "deploy", "v2"),
        ("deploy", "rollback-check", "v1"),
        ("smoke", "approval", "v1"),
        ("deploy", "deploy", "v2"),
        ("smoke", "approval", "v2"),
    ]
    previous = [c.env["CAPTAIN_PREVIOUS_VERSION"] for c in h.runner.ran("deploy")]
    assert previous == ["v1", "v2", "v1"]
    started = [e.detail for e in h.kinds("step.started")][-4:]
    assert started == [
        f"{PARTS[0]} to v1",
        f"{PARTS[1]} on v1",
        PARTS[2],
        PARTS[3],
    ]
    steps = h.store.views.steps(stage="gamma", target="us-east-1", version=2)
    assert [(s.name, s.state) for s in steps] == [("deploy", "passed")] + [
        (name, "passed") for name in PARTS
    ]
    assert all(Path(s.log).is_file() for s in steps)


def test_a_check_that_fails_on_the_rolled_back_version_rejects_the_new_one(
    tmp_path: Path,
) -> None:
    def smoke(call: Call) -> int:
        return 1 if call.env["CAPTAIN_VERSION"] == "v1" else 0

    h = harness(tmp_path, PIPELINE, script={**OK, "smoke": smoke})
    commit(h, "a1")  # no last good: passes at once, smoke never runs
    h.runner.calls.clear()
    commit(h, "a2")
    assert stage_state(h, 2) == "rejected"
    assert target(h) == (1, "rolled_back")  # the failure path leaves it on last good
    assert what_ran(h) == [
        ("deploy", "deploy", "v2"),
        ("deploy", "rollback-check", "v1"),
        ("smoke", "approval", "v1"),
        ("deploy", "rollback", "v1"),
    ]
    steps = h.store.views.steps(stage="gamma", target="us-east-1", version=2)
    assert [(s.name, s.state) for s in steps] == [
        ("deploy", "passed"),
        (PARTS[0], "passed"),
        (PARTS[1], "failed"),
        ("rollback", "passed"),
    ]
    (failed,) = h.kinds("target.failed")
    assert failed.detail.startswith(f"{PARTS[1]} failed")


def test_while_the_old_version_is_on_the_target_status_says_what_runs(tmp_path: Path) -> None:
    seen: list[tuple[int | None, str]] = []
    h: Harness

    def smoke(call: Call) -> int:
        if call.env["CAPTAIN_VERSION"] == "v1":
            seen.append(target(h))
        return 0

    h = harness(tmp_path, PIPELINE, script={**OK, "smoke": smoke})
    commit(h, "a1")
    commit(h, "a2")
    assert seen == [(2, "verifying")]
    assert target(h) == (2, "succeeded")


def test_status_shows_each_part_of_the_check_under_its_own_name(tmp_path: Path) -> None:
    from release_captain.service.captain import Captain

    h = harness(tmp_path, PIPELINE, script=OK)
    commit(h, "a1")
    commit(h, "a2")
    status = Captain(h.pipeline, store=h.store, clock=h.clock).status()
    (gamma,) = status.stages
    (east,) = gamma.targets
    assert [(a.name, a.state) for a in east.approvals] == [(name, "passed") for name in PARTS]

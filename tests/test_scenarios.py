"""Whole pipelines through the reconcile loop with a fake clock, scripted commands and
fake sources: every rule seen from the outside, deterministic and without sleeping."""

from __future__ import annotations

from pathlib import Path

from release_captain.testing import NEVER_ENDS, Call, Harness, harness

PIPELINE = """
[pipeline]
name = "scenario"
max_parallel = 8

[[sources]]
name = "app"
repo = "repo"

[build]
run = ["make"]

[defaults]
deploy = "deploy"

[[stages]]
name = "beta"
targets = ["local"]
approvals = [{ name = "integration", run = "integration" }]

[[stages]]
name = "gamma"
targets = ["us-east-1", "eu-west-1"]
approvals = [{ name = "soak", wait = "10m" }]

[[stages]]
name = "prod"
waves = [["us-west-2"], ["eu-west-1", "us-east-1"], ["ap-southeast-2"]]
approvals = [{ name = "check", run = "check" }]
bake_after = "1m"
"""

OK = {"make": 0, "deploy": 0, "integration": 0, "check": 0}


def stage_states(h: Harness, version: int) -> dict[str, str]:
    (row,) = h.store.views.versions(numbers=[version])
    return row.stages


def commit(h: Harness, sha: str, message: str = "change") -> None:
    h.sources["app"].commit_to(sha, message)
    h.announce_commit()
    h.settle()


def test_a_version_flows_through_every_stage_and_wave(tmp_path: Path) -> None:
    h = harness(tmp_path, PIPELINE, script=OK)
    commit(h, "a1")
    assert stage_states(h, 1) == {"beta": "passed", "gamma": "in-flight"}
    h.advance(600)  # gamma's soak
    assert stage_states(h, 1)["gamma"] == "passed"
    for _ in range(3):
        h.advance(60)  # each wave's bake_after
    assert stage_states(h, 1) == {
        "beta": "passed",
        "gamma": "passed",
        "prod-wave-1": "passed",
        "prod-wave-2": "passed",
        "prod-wave-3": "passed",
    }
    assert len(h.runner.ran("make")) == 1
    assert not h.runner.unknown
    assert h.reconciler.idle(h.reconciler.tick())


def test_several_versions_are_in_flight_at_once(tmp_path: Path) -> None:
    h = harness(tmp_path, PIPELINE, script=OK)
    commit(h, "a1")  # v1 passes beta, soaks in gamma
    commit(h, "a2")  # v2 passes beta while gamma is busy
    assert stage_states(h, 1)["gamma"] == "in-flight"
    assert stage_states(h, 2) == {"beta": "passed"}
    commit(h, "a3")  # v3 passes beta: v2 is superseded in gamma, never deployed there
    assert stage_states(h, 2)["gamma"] == "superseded"
    h.advance(600)
    assert stage_states(h, 3)["gamma"] == "in-flight"
    assert not [
        c
        for c in h.runner.ran("deploy")
        if c.env["CAPTAIN_VERSION"] == "v2" and c.env["CAPTAIN_STAGE"] == "gamma"
    ]


def test_a_failing_approval_on_one_target_rejects_the_version_in_that_wave(tmp_path: Path) -> None:
    def check(call: Call) -> int:
        bad = call.env["CAPTAIN_VERSION"] == "v2" and call.env["CAPTAIN_TARGET"] == "eu-west-1"
        return 1 if bad and call.env["CAPTAIN_STAGE"] == "prod-wave-2" else 0

    h = harness(tmp_path, PIPELINE, script={**OK, "check": check})
    commit(h, "a1")
    h.advance(600)
    for _ in range(3):
        h.advance(60)
    commit(h, "a2")
    h.advance(600)
    for _ in range(3):
        h.advance(60)
    states = stage_states(h, 2)
    assert states["prod-wave-2"] == "rejected"
    assert "prod-wave-3" not in states
    targets = h.store.views.targets()
    assert targets[("prod-wave-2", "us-east-1")][:2] == (2, "succeeded")
    assert targets[("prod-wave-2", "eu-west-1")][:2] == (1, "rolled_back")
    assert targets[("prod-wave-3", "ap-southeast-2")][0] == 1
    (rollback,) = [c for c in h.runner.ran("deploy") if c.env["CAPTAIN_ACTION"] == "rollback"]
    assert rollback.env["CAPTAIN_VERSION"] == "v1"
    assert rollback.env["CAPTAIN_PREVIOUS_VERSION"] == "v2"
    assert rollback.env["CAPTAIN_TARGET"] == "eu-west-1"
    # the next commit brings every target to the new version
    commit(h, "a3")
    h.advance(600)
    for _ in range(3):
        h.advance(60)
    assert {(k, v[0]) for k, v in h.store.views.targets().items()} == {
        (k, 3) for k in h.store.views.targets()
    }


def test_a_target_with_no_last_good_version_stays_failed_and_says_so(tmp_path: Path) -> None:
    h = harness(tmp_path, PIPELINE, script={**OK, "integration": 1})
    commit(h, "a1")
    assert h.store.views.targets()[("beta", "local")][:2] == (1, "failed")
    (failed,) = h.kinds("target.failed")
    assert "no last good version to roll back to" in failed.detail
    assert not [c for c in h.runner.calls if c.env.get("CAPTAIN_ACTION") == "rollback"]


def test_a_stage_with_rollback_false_stays_on_the_failed_version(tmp_path: Path) -> None:
    text = PIPELINE.replace('targets = ["local"]', 'targets = ["local"]\nrollback = false')
    h = harness(
        tmp_path,
        text,
        script={**OK, "integration": lambda c: 1 if c.env["CAPTAIN_VERSION"] == "v2" else 0},
    )
    commit(h, "a1")
    commit(h, "a2")
    assert h.store.views.targets()[("beta", "local")][:2] == (2, "failed")
    assert stage_states(h, 2)["beta"] == "rejected"


def test_a_failed_build_enters_no_stage_and_the_previous_version_stays(tmp_path: Path) -> None:
    h = harness(
        tmp_path,
        PIPELINE,
        script={**OK, "make": lambda call: 1 if call.env["CAPTAIN_VERSION"] == "v2" else 0},
    )
    commit(h, "a1")
    commit(h, "a2")
    (v2,) = h.store.views.versions(numbers=[2])
    assert v2.build == "failed" and v2.stages == {}
    assert h.store.views.targets()[("beta", "local")][0] == 1


def test_every_command_gets_the_captain_environment(tmp_path: Path) -> None:
    h = harness(tmp_path, PIPELINE, script=OK)
    commit(h, "a1", message="$(touch PWNED) `touch PWNED2` 'quoted'")
    (deploy, *_) = h.runner.ran("deploy")
    env = deploy.env
    assert env["CAPTAIN_PIPELINE"] == "scenario"
    assert env["CAPTAIN_VERSION"] == "v1"
    assert env["CAPTAIN_COMMIT"] == "a1" and env["CAPTAIN_COMMIT_APP"] == "a1"
    assert (env["CAPTAIN_STAGE"], env["CAPTAIN_TARGET"]) == ("beta", "local")
    assert env["CAPTAIN_ONEBOX"] == "0" and env["CAPTAIN_ACTION"] == "deploy"
    assert env["CAPTAIN_PREVIOUS_VERSION"] == ""
    assert Path(env["CAPTAIN_ARTEFACTS"]).is_dir()
    assert deploy.cwd == tmp_path
    (build,) = h.runner.ran("make")
    assert build.env["CAPTAIN_ACTION"] == "build" and "CAPTAIN_OUT" in build.env
    assert "PWNED" not in build.command


def test_a_crash_mid_step_runs_the_step_again_on_restart(tmp_path: Path) -> None:
    h = harness(tmp_path, PIPELINE, script={**OK, "deploy": NEVER_ENDS})  # then a crash
    h.sources["app"].commit_to("a1")
    h.announce_commit()
    h.settle()
    assert h.store.recover(now=h.clock()) == 1  # the deploy, cut off
    h2 = harness(tmp_path, PIPELINE, script=OK)
    h2.sources["app"].commit_to("a1")
    h2.settle()
    assert stage_states(h2, 1)["beta"] == "passed"


def test_a_target_rolled_back_mid_rollout_stays_rolled_back(tmp_path: Path) -> None:
    from release_captain.service import Captain

    slow = PIPELINE.replace(
        'approvals = [{ name = "soak", wait = "10m" }]',
        'approvals = [{ name = "soak", wait = "10m" }]\nrollback = false',
    )
    h = harness(tmp_path, slow, script=OK)
    captain = Captain(h.pipeline, clock=h.clock, store=h.store, runner=h.runner)
    commit(h, "a1")
    h.advance(600)
    commit(h, "a2")  # v2 soaks in gamma
    assert stage_states(h, 2)["gamma"] == "in-flight"
    captain.rollback(["gamma/us-east-1"], reason="bad")
    h.settle()
    targets = h.store.views.targets()
    assert targets[("gamma", "us-east-1")][:2] == (1, "rolled_back")
    h.advance(600)
    assert stage_states(h, 2)["gamma"] == "rejected"
    assert h.store.views.targets()[("gamma", "us-east-1")][:2] == (1, "rolled_back")


def test_a_rerun_after_a_crash_and_every_step_of_a_rollout_get_the_version_before_it(
    tmp_path: Path,
) -> None:
    """SPEC §5 and R10: CAPTAIN_PREVIOUS_VERSION is what the target ran before this
    rollout began — for its approvals too, and for a deploy run again after a crash
    (it used to be the version being deployed)."""
    beta_only = PIPELINE[: PIPELINE.index('[[stages]]\nname = "gamma"')]
    h = harness(tmp_path, beta_only, script=OK)
    commit(h, "a1")
    h.runner.script["deploy"] = NEVER_ENDS  # v2's deploy runs when the engine dies
    commit(h, "a2")
    assert h.store.recover(now=h.clock()) == 1
    h2 = harness(tmp_path, beta_only, script=OK)
    h2.sources["app"].commit_to("a1")
    h2.sources["app"].commit_to("a2")
    h2.settle()
    assert stage_states(h2, 2)["beta"] == "passed"
    first, rerun = [c.env for c in h.runner.ran("deploy") + h2.runner.ran("deploy")][-2:]
    assert (first["CAPTAIN_VERSION"], first["CAPTAIN_PREVIOUS_VERSION"]) == ("v2", "v1")
    assert (rerun["CAPTAIN_VERSION"], rerun["CAPTAIN_PREVIOUS_VERSION"]) == ("v2", "v1")
    (approval,) = [c.env for c in h2.runner.ran("integration")]
    assert approval["CAPTAIN_PREVIOUS_VERSION"] == "v1"

"""Table-driven tests of `decide`: recorded state + time -> decisions with reasons."""

from __future__ import annotations

from release_captain.engine import (
    EnterStage,
    FinishStep,
    FinishTarget,
    PassStage,
    RejectStage,
    StartBuild,
    StartStep,
    Supersede,
    decide,
)
from release_captain.engine.state import Grant, StageControl
from tests.engine.builders import (
    StateBuilder,
    onebox,
    pipeline,
    run_approval,
    stage,
    wait_approval,
)

PIPE = pipeline(stage("beta"), stage("gamma", "a", "b"))


def test_a_pending_version_is_built_oldest_first_one_at_a_time() -> None:
    state = StateBuilder().built(1, 2, build="pending").state()
    outcome = decide(PIPE, state, now=0)
    assert outcome.decisions == (StartBuild(version=1, reason="new version detected"),)
    busy = StateBuilder().built(1, build="building").built(2, build="pending").state()
    assert decide(PIPE, busy, now=0).decisions == ()


def test_a_failed_build_enters_no_stage() -> None:
    state = StateBuilder().built(1, build="failed").state()
    assert decide(PIPE, state, now=0).decisions == ()


def test_the_first_stage_takes_the_newest_built_version_and_supersedes_older_ones() -> None:
    state = StateBuilder().built(1, 2, 3).state()
    decisions = decide(PIPE, state, now=0).decisions
    assert Supersede(stage="beta", version=1, reason="v3 is newer and may enter beta") in decisions
    assert any(isinstance(d, Supersede) and d.version == 2 for d in decisions)
    assert EnterStage(stage="beta", version=3, reason="newest candidate") in decisions


def test_a_busy_stage_takes_nothing_and_says_why() -> None:
    state = (
        StateBuilder()
        .built(1, 2)
        .at("beta", 1, "in-flight")
        .step("beta", "t1", 1, 0, "running")
        .state()
    )
    outcome = decide(PIPE, state, now=0)
    assert not any(isinstance(d, EnterStage) for d in outcome.decisions)
    assert outcome.holds["beta"].reason == "busy"
    assert outcome.holds["beta"].version == 2
    assert outcome.busy


def test_a_later_stage_takes_only_versions_that_passed_the_previous_one() -> None:
    state = StateBuilder().built(1, 2).at("beta", 1, "passed").at("beta", 2, "in-flight").state()
    decisions = decide(PIPE, state, now=0).decisions
    assert EnterStage(stage="gamma", version=1, reason="newest candidate") in decisions


def test_a_version_passed_in_beta_is_superseded_in_gamma_once_a_newer_one_passed() -> None:
    state = (
        StateBuilder()
        .built(1, 2, 3)
        .at("beta", 1, "passed")
        .at("beta", 2, "passed")
        .at("beta", 3, "passed")
        .at("gamma", 1, "in-flight")
        .step("gamma", "a", 1, 0, "running")
        .step("gamma", "b", 1, 0, "running")
        .state()
    )
    decisions = decide(PIPE, state, now=0).decisions
    assert (
        Supersede(stage="gamma", version=2, reason="v3 is newer and may enter gamma") in decisions
    )
    assert not any(isinstance(d, EnterStage) and d.stage == "gamma" for d in decisions)


def test_every_target_starts_its_deploy_in_parallel() -> None:
    state = StateBuilder().built(1).at("beta", 1, "passed").at("gamma", 1, "in-flight").state()
    starts = [d for d in decide(PIPE, state, now=0).decisions if isinstance(d, StartStep)]
    assert [(d.target, d.step.name) for d in starts] == [("a", "deploy"), ("b", "deploy")]


def test_max_parallel_limits_the_processes_started_in_one_pass() -> None:
    wide = pipeline(stage("beta", "a", "b", "c"), max_parallel=2)
    state = StateBuilder().built(1).at("beta", 1, "in-flight").state()
    starts = [d for d in decide(wide, state, now=0).decisions if isinstance(d, StartStep)]
    assert [d.target for d in starts] == ["a", "b"]


def test_a_target_runs_its_approvals_in_order_as_soon_as_its_deploy_passed() -> None:
    pipe = pipeline(stage("beta", "a", "b", approvals=(run_approval("one"), run_approval("two"))))
    state = (
        StateBuilder()
        .built(1)
        .at("beta", 1, "in-flight")
        .deployment("beta", "a", 1, "running")
        .deployment("beta", "b", 1, "running")
        .step("beta", "a", 1, 0, "passed")
        .step("beta", "b", 1, 0, "running")
        .state()
    )
    starts = [d for d in decide(pipe, state, now=0).decisions if isinstance(d, StartStep)]
    assert [(d.target, d.step.name) for d in starts] == [("a", "one")]


def test_onebox_is_deployed_and_verified_before_the_full_target() -> None:
    pipe = pipeline(stage("prod", "r", onebox=onebox(run_approval("smoke"))))
    state = (
        StateBuilder()
        .built(1)
        .at("prod", 1, "in-flight")
        .deployment("prod", "r", 1, "running")
        .step("prod", "r", 1, 0, "passed", name="onebox-deploy")
        .state()
    )
    (start,) = [d for d in decide(pipe, state, now=0).decisions if isinstance(d, StartStep)]
    assert (start.step.name, start.step.onebox) == ("smoke", True)


def test_a_wait_finishes_when_its_time_is_up_and_asks_to_be_woken_before() -> None:
    pipe = pipeline(stage("beta", approvals=(wait_approval(30),)))
    base = (
        StateBuilder()
        .built(1)
        .at("beta", 1, "in-flight")
        .deployment("beta", "t1", 1, "running")
        .step("beta", "t1", 1, 0, "passed")
        .step("beta", "t1", 1, 1, "running", kind="wait", name="settle", started_at=100)
    )
    early = decide(pipe, base.state(), now=110)
    assert early.decisions == () and early.wake_at == 130 and early.busy
    late = decide(pipe, base.state(), now=130)
    assert late.decisions == (FinishStep(step_id=2, passed=True, reason="wait elapsed"),)


def test_a_target_whose_steps_all_passed_succeeds() -> None:
    state = (
        StateBuilder()
        .built(1)
        .at("beta", 1, "in-flight")
        .deployment("beta", "t1", 1, "running")
        .step("beta", "t1", 1, 0, "passed", finished_at=5)
        .state()
    )
    assert decide(PIPE, state, now=5).decisions[-1] == FinishTarget(
        stage="beta",
        target="t1",
        version=1,
        succeeded=True,
        reason="deployed and every approval passed",
    )


def test_the_stage_passes_only_after_bake_after_since_the_last_target_succeeded() -> None:
    pipe = pipeline(stage("beta", "a", "b", bake_after=60))
    base = (
        StateBuilder()
        .built(1)
        .at("beta", 1, "in-flight")
        .deployment("beta", "a", 1, "succeeded", finished_at=10)
        .deployment("beta", "b", 1, "succeeded", finished_at=20)
    )
    waiting = decide(pipe, base.state(), now=50)
    assert waiting.decisions == () and waiting.wake_at == 80
    passed = decide(pipe, base.state(), now=80)
    assert isinstance(passed.decisions[0], PassStage)


def test_a_failed_step_fails_the_target_and_untouched_targets_never_begin() -> None:
    pipe = pipeline(stage("beta", "a", "b", "c"), max_parallel=1)
    state = (
        StateBuilder()
        .built(1)
        .at("beta", 1, "in-flight")
        .deployment("beta", "a", 1, "failed", finished_at=3)
        .step("beta", "a", 1, 0, "failed")
        .state()
    )
    decisions = decide(pipe, state, now=4).decisions
    assert decisions == (RejectStage(stage="beta", version=1, reason="failed on a"),)


def test_a_target_that_began_carries_on_after_another_failed() -> None:
    pipe = pipeline(stage("beta", "a", "b", approvals=(run_approval("check"),)))
    state = (
        StateBuilder()
        .built(1)
        .at("beta", 1, "in-flight")
        .deployment("beta", "a", 1, "failed")
        .step("beta", "a", 1, 0, "failed")
        .deployment("beta", "b", 1, "running")
        .step("beta", "b", 1, 0, "passed")
        .state()
    )
    (start,) = decide(pipe, state, now=0).decisions
    assert isinstance(start, StartStep) and (start.target, start.step.name) == ("b", "check")


def test_an_interrupted_step_runs_again() -> None:
    state = (
        StateBuilder()
        .built(1)
        .at("beta", 1, "in-flight")
        .deployment("beta", "t1", 1, "running")
        .step("beta", "t1", 1, 0, "interrupted")
        .state()
    )
    (start,) = decide(PIPE, state, now=0).decisions
    assert isinstance(start, StartStep) and "running it again" in start.reason


def test_manual_promotion_takes_the_newest_approved_version_and_the_newer_one_waits() -> None:
    pipe = pipeline(stage("beta"), stage("gamma", promotion="manual"))
    base = StateBuilder().built(1, 2).at("beta", 1, "passed").at("beta", 2, "passed")
    unapproved = decide(pipe, base.state(), now=0)
    assert not any(isinstance(d, EnterStage) for d in unapproved.decisions)
    assert unapproved.holds["gamma"].reason == "manual-approval"
    approved = decide(
        pipe, base.state(grants=frozenset({Grant(stage="gamma", version=1, kind="entry")})), now=0
    )
    assert EnterStage(stage="gamma", version=1, reason="approved by a person") in approved.decisions
    assert not any(isinstance(d, Supersede) for d in approved.decisions)
    assert approved.holds["gamma"].version == 2


def test_a_paused_stage_holds_its_candidate() -> None:
    state = (
        StateBuilder()
        .built(1)
        .state(controls={"beta": StageControl(stage="beta", paused=True, pause_reason="incident")})
    )
    outcome = decide(PIPE, state, now=0)
    assert not any(isinstance(d, EnterStage) for d in outcome.decisions)
    assert outcome.holds["beta"].reason == "paused"
    assert "incident" in outcome.holds["beta"].detail


def test_an_active_blocker_holds_unless_the_version_was_approved_with_an_override() -> None:
    pipe = pipeline(stage("beta", blockers=("freeze",)))
    base = StateBuilder().built(1)
    held = decide(pipe, base.state(active_blockers=frozenset({"freeze"})), now=0)
    assert held.holds["beta"].reason == "blocker"
    override = frozenset({Grant(stage="beta", version=1, kind="entry", override_blockers=True)})
    let_through = decide(
        pipe, base.state(active_blockers=frozenset({"freeze"}), grants=override), now=0
    )
    assert any(isinstance(d, EnterStage) for d in let_through.decisions)


def test_decide_is_deterministic() -> None:
    state = StateBuilder().built(1, 2, 3).at("beta", 1, "passed").state()
    assert decide(PIPE, state, now=7) == decide(PIPE, state, now=7)

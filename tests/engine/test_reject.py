"""Rules R7, R8 and R11: `captain reject` — a version a person rejects in a stage never
passes it and is never deployed there automatically. A version not yet taken is rejected
at once; one in flight is rejected by the person's word (a `reject` grant), what runs of
it there is stopped, and the engine settles the rejection once nothing of it runs."""

from __future__ import annotations

import pytest
from msgspec.structs import replace

from release_captain.config.model import Pipeline
from release_captain.engine import EnterStage, FinishTarget, RejectStage, StartStep, decide
from release_captain.engine.decisions import GrantApproval, StopStep
from release_captain.engine.people import answer
from release_captain.engine.plan import ROLLBACK_STEP
from release_captain.engine.requests import Reject
from release_captain.engine.state import StageVersionState, State
from release_captain.errors import StateConflict
from tests.engine.builders import (
    StateBuilder,
    manual_approval,
    pipeline,
    run_approval,
    stage,
    with_grants,
)

PIPE = pipeline(
    stage("beta"),
    stage("gamma", "a", "b", promotion="manual", approvals=(manual_approval("qa"),)),
)


def passed_beta(*versions: int) -> StateBuilder:
    builder = StateBuilder().built(*versions)
    for v in versions:
        builder.at("beta", v, "passed")
    return builder


def by_ann(stage: str, version: int, comment: str = "bad") -> RejectStage:
    why = "rejected by ann" + (f": {comment}" if comment else "")
    return RejectStage(stage=stage, version=version, reason=why, actor="ann", comment=comment)


# --- a version not yet taken -------------------------------------------------------------


@pytest.mark.parametrize(
    ("builder", "request_", "version"),
    [
        pytest.param(
            passed_beta(1),
            Reject(stage="gamma", comment="bad", actor="ann"),
            1,
            id="default-the-one-at-the-manual-gate",
        ),
        pytest.param(
            passed_beta(1, 2),
            Reject(stage="gamma", version=1, comment="bad", actor="ann"),
            1,
            id="explicit-older-candidate",
        ),
        pytest.param(
            StateBuilder().built(1).at("beta", 1, "in-flight"),
            Reject(stage="gamma", version=1, comment="bad", actor="ann"),
            1,
            id="explicit-still-upstream",
        ),
    ],
)
def test_a_version_not_taken_is_rejected_at_once(
    builder: StateBuilder, request_: Reject, version: int
) -> None:
    reply = answer(PIPE, builder.state(), request_, now=0)
    assert reply.decisions == (by_ann("gamma", version),)
    assert (reply.message, reply.stage, reply.version, reply.rejected) == (
        f"rejected v{version} in gamma",
        "gamma",
        version,
        True,
    )


def test_the_reason_without_a_comment_names_the_person() -> None:
    reply = answer(PIPE, passed_beta(1).state(), Reject(stage="gamma", actor="ann"), now=0)
    assert reply.decisions == (by_ann("gamma", 1, comment=""),)


def test_a_rejected_candidate_never_enters_even_when_approved() -> None:
    state = passed_beta(1).rejected("gamma", 1, entered=False).grant("gamma", 1).state()
    outcome = decide(PIPE, state, now=0)
    assert not any(isinstance(d, EnterStage) for d in outcome.decisions)
    assert "gamma" not in outcome.holds


# --- a version in flight -----------------------------------------------------------------

LOAD = pipeline(
    stage("beta"),
    stage("gamma", "a", "b", "c", rollback=False, approvals=(run_approval("load"),)),
)


def in_flight() -> StateBuilder:
    """v2 in flight in gamma: a runs its load approval (step 2), b deploys (step 3), c has
    not begun; beta runs v3 (step 4), which a reject in gamma must not touch."""
    return (
        passed_beta(1, 2)
        .built(3)
        .at("gamma", 1, "passed")
        .at("gamma", 2, "in-flight")
        .at("beta", 3, "in-flight")
        .deployment("gamma", "a", 2, "running")
        .deployment("gamma", "b", 2, "running")
        .step("gamma", "a", 2, 0, "passed")
        .step("gamma", "a", 2, 1, "running", kind="run", name="load")
        .step("gamma", "b", 2, 0, "running")
        .step("beta", "t1", 3, 0, "running")
        .target("gamma", "a", 2, "verifying", succeeded=(1,))
        .target("gamma", "b", 2, "deploying", succeeded=(1,))
        .target("gamma", "c", 1, "succeeded")
    )


def stopped(state: State) -> State:
    """The state once the StopSteps are recorded: the stopped steps failed."""
    return replace(
        state,
        steps=tuple(
            replace(s, state="failed") if s.stage == "gamma" and s.state == "running" else s
            for s in state.steps
        ),
    )


def finished(state: State) -> State:
    """The state once the targets that began are recorded as failed."""
    return replace(
        state,
        deployments={k: replace(d, state="failed") for k, d in state.deployments.items()},
    )


def test_an_in_flight_version_is_rejected_by_a_grant_and_its_running_steps_stop() -> None:
    state = in_flight().state()
    reply = answer(LOAD, state, Reject(stage="gamma", comment="bad", actor="ann"), now=0)
    assert reply.decisions == (
        GrantApproval(
            stage="gamma",
            version=2,
            kind="reject",
            actor="ann",
            comment="bad",
            reason="rejected while in flight",
        ),
        StopStep(step_id=2, actor="ann", reason="rejected: bad"),
        StopStep(step_id=3, actor="ann", reason="rejected: bad"),
    )
    assert reply.message == "rejected v2 in gamma; what ran of it there was stopped"
    assert (reply.version, reply.rejected) == (2, True)


def test_after_a_reject_in_flight_targets_fail_and_the_stage_rejects_once_nothing_runs() -> None:
    state = in_flight().state()
    reply = answer(LOAD, state, Reject(stage="gamma", comment="bad", actor="ann"), now=0)
    after_stop = stopped(with_grants(state, reply.decisions))
    # c never began and does not begin; a and b finish failed; nothing settles yet.
    assert decide(LOAD, after_stop, now=1).decisions == (
        FinishTarget(stage="gamma", target="a", version=2, succeeded=False, reason="load failed"),
        FinishTarget(stage="gamma", target="b", version=2, succeeded=False, reason="deploy failed"),
    )
    assert decide(LOAD, finished(after_stop), now=2).decisions == (
        RejectStage(stage="gamma", version=2, reason="rejected by a person"),
    )


def test_a_rejected_version_in_flight_is_not_yet_settled_while_a_step_runs() -> None:
    state = with_grants(
        in_flight().state(),
        [
            GrantApproval(
                stage="gamma",
                version=2,
                kind="reject",
                actor="ann",
                reason="rejected while in flight",
            )
        ],
    )
    decisions = decide(LOAD, state, now=0).decisions
    assert not any(isinstance(d, RejectStage | FinishTarget) for d in decisions)
    assert not any(isinstance(d, StartStep) and d.stage == "gamma" for d in decisions)


def test_with_rollback_the_stopped_targets_return_to_their_last_good() -> None:
    pipe = pipeline(stage("beta"), stage("gamma", "a", "b", "c", approvals=(run_approval("load"),)))
    state = in_flight().state()
    reply = answer(pipe, state, Reject(stage="gamma", comment="bad", actor="ann"), now=0)
    after = decide(pipe, finished(stopped(with_grants(state, reply.decisions))), now=2)
    assert [(d.target, d.step, d.to) for d in after.decisions if isinstance(d, StartStep)] == [
        ("a", ROLLBACK_STEP, 1),
        ("b", ROLLBACK_STEP, 1),
    ]
    assert not any(isinstance(d, RejectStage) for d in after.decisions)


def test_rejecting_again_in_flight_adds_no_second_grant() -> None:
    state = in_flight().grant("gamma", 2, "reject").state()
    reply = answer(LOAD, stopped(state), Reject(stage="gamma", version=2, actor="ann"), now=0)
    assert reply.decisions == ()
    assert reply.rejected


# --- which version a reject without --version means ---------------------------------------


def signoff(builder: StateBuilder, version: int) -> StateBuilder:
    """`builder` with `version` in flight in gamma, its qa sign-off waiting on a."""
    return (
        builder.at("gamma", version, "in-flight")
        .deployment("gamma", "a", version, "running")
        .step("gamma", "a", version, 0, "passed")
        .step("gamma", "a", version, 1, "running", kind="manual", name="qa")
    )


AUTO = pipeline(stage("beta"), stage("gamma", "a", "b"))


@pytest.mark.parametrize(
    ("pipe", "builder", "expected"),
    [
        pytest.param(
            PIPE,
            signoff(passed_beta(1, 2), 1),
            GrantApproval,
            id="a-waiting-signoff-first",
        ),
        pytest.param(
            PIPE,
            passed_beta(1, 2).at("gamma", 1, "in-flight"),
            RejectStage,
            id="then-the-manual-gate-hold-over-the-in-flight-one",
        ),
        pytest.param(
            AUTO,
            passed_beta(1, 2).at("gamma", 1, "in-flight"),
            GrantApproval,
            id="else-the-in-flight-one",
        ),
    ],
)
def test_the_default_version(
    pipe: Pipeline, builder: StateBuilder, expected: type[GrantApproval | RejectStage]
) -> None:
    reply = answer(pipe, builder.state(), Reject(stage="gamma", actor="ann"), now=0)
    (decision,) = [d for d in reply.decisions if not isinstance(d, StopStep)]
    assert isinstance(decision, expected)
    expected_version = 2 if expected is RejectStage else 1
    assert (decision.stage, decision.version, reply.version) == (
        "gamma",
        expected_version,
        expected_version,
    )


def test_the_default_stops_the_signoff_it_rejects() -> None:
    state = signoff(passed_beta(1, 2), 1).state()
    reply = answer(PIPE, state, Reject(stage="gamma", actor="ann"), now=0)
    assert StopStep(step_id=2, actor="ann", reason="rejected") in reply.decisions


# --- refusals ----------------------------------------------------------------------------


@pytest.mark.parametrize("recorded", ["rejected", "passed", "superseded"])
def test_a_version_settled_in_the_stage_is_refused(recorded: StageVersionState) -> None:
    state = passed_beta(1, 2).at("gamma", 1, recorded).state()
    with pytest.raises(StateConflict) as refused:
        answer(PIPE, state, Reject(stage="gamma", version=1, actor="ann"), now=0)
    assert str(refused.value) == f"v1 was already {recorded} in gamma"


@pytest.mark.parametrize(
    ("pipe", "builder", "request_", "message"),
    [
        pytest.param(
            AUTO,
            passed_beta(1).at("gamma", 1, "passed"),
            Reject(stage="gamma", actor="ann"),
            "nothing in gamma to reject; name one with --version",
            id="nothing-waits-or-runs",
        ),
        pytest.param(
            PIPE,
            passed_beta(1),
            Reject(stage="gamma", version=7, actor="ann"),
            "there is no version v7",
            id="unknown-version",
        ),
        pytest.param(
            PIPE,
            passed_beta(1),
            Reject(stage="delta", actor="ann"),
            "no stage named 'delta' (stages: beta, gamma)",
            id="unknown-stage",
        ),
    ],
)
def test_refusals(pipe: Pipeline, builder: StateBuilder, request_: Reject, message: str) -> None:
    with pytest.raises(StateConflict) as refused:
        answer(pipe, builder.state(), request_, now=0)
    assert str(refused.value) == message

"""Rule R8: manual rollback — `captain rollback` pre-empts what runs on the named
targets, redeploys their last good version (SPEC §2, the same rule as R7's automatic
rollback) or `--to VERSION`, and rejects the version each target is rolled back from in
its stage. No rollback puts a target on a version rejected in its stage unless a person
names it with `--to … --force`; a request that does not fit decides nothing."""

from __future__ import annotations

import pytest

from release_captain.engine import RejectStage, StartStep, decide
from release_captain.engine.decisions import Decision, GrantApproval, StopStep
from release_captain.engine.people import answer
from release_captain.engine.plan import ROLLBACK_STEP
from release_captain.engine.rejection import rejected_in
from release_captain.engine.requests import Answer, Rollback, RollbackMove
from release_captain.engine.state import StageVersionState, State
from release_captain.errors import CaptainError, StateConflict, UsageError
from tests.engine.builders import StateBuilder, pipeline, run_approval, stage

PIPE = pipeline(stage("beta"), stage("prod", "a", "b", approvals=(run_approval("load"),)))


def passed_beta(*versions: int) -> StateBuilder:
    builder = StateBuilder().built(*versions)
    for v in versions:
        builder.at("beta", v, "passed")
    return builder


def move(target: str, from_version: int, to_version: int) -> RollbackMove:
    return RollbackMove(
        stage="prod", target=target, from_version=from_version, to_version=to_version
    )


def rollback_step(target: str, from_version: int, to: int, why: str) -> StartStep:
    return StartStep(
        stage="prod",
        target=target,
        version=from_version,
        step=ROLLBACK_STEP,
        reason=why,
        previous=from_version,
        to=to,
    )


def rejected_by(decisions: tuple[Decision, ...]) -> set[tuple[str, int]]:
    """(stage, version) pairs the decisions reject, settled or in flight."""
    return {
        (d.stage, d.version)
        for d in decisions
        if isinstance(d, RejectStage) or (isinstance(d, GrantApproval) and d.kind == "reject")
    }


def assert_no_move_onto_a_rejected_version(state: State, reply: Answer) -> None:
    rejecting = rejected_by(reply.decisions)
    for m in reply.rollbacks:
        assert (m.stage, m.to_version) not in rejecting, m
        assert not rejected_in(state, m.stage, m.to_version), m


def ann(*targets: str, to: int | None = None, force: bool = False, reason: str = "") -> Rollback:
    return Rollback(targets=targets, to=to, force=force, reason=reason, actor="ann")


# --- (a) R7 and R8 agree: a rejected version is never last good ---------------------------


def rejected_last_good() -> StateBuilder:
    """v1 passed prod; v2 succeeded on a, then a person rejected it in prod; v3 failed on
    a (b never began it)."""
    return (
        passed_beta(1, 2, 3)
        .at("prod", 1, "passed")
        .rejected("prod", 2)
        .at("prod", 3, "in-flight")
        .deployment("prod", "a", 3, "failed")
        .step("prod", "a", 3, 0, "failed")
        .target("prod", "a", 3, "failed", succeeded=(2, 1))
        .target("prod", "b", 1, "succeeded")
    )


def test_automatic_rollback_skips_the_rejected_version_to_the_last_good() -> None:
    assert decide(PIPE, rejected_last_good().state(), now=0).decisions == (
        rollback_step("a", 3, 1, "v3 failed here; rolling back to last good v1"),
    )


def test_a_manual_rollback_from_the_same_state_picks_the_same_version() -> None:
    state = rejected_last_good().state()
    reply = answer(PIPE, state, ann("prod/a", reason="bad"), now=0)
    assert reply.rollbacks == (move("a", 3, 1),)
    assert reply.message == "rolling back prod/a v3→v1"
    assert reply.decisions == (
        GrantApproval(
            stage="prod",
            version=3,
            kind="reject",
            actor="ann",
            comment="rolled back: bad",
            reason="rejected while in flight",
        ),
        rollback_step("a", 3, 1, "rolled back by ann: bad"),
    )
    (automatic,) = decide(PIPE, state, now=0).decisions
    assert isinstance(automatic, StartStep)
    assert automatic.to == reply.rollbacks[0].to_version


# --- (b) a whole-stage rollback after a single-target rollback -----------------------------


def after_single_rollback(b_succeeded: tuple[int, ...] = (2,)) -> StateBuilder:
    """v1 and v2 passed prod; a was rolled back from v3 to v2 (v3 rejected); b runs v3.
    `b_succeeded` is b's record of older successes; the store reads it down to the newest
    version not rejected in the stage, so (2,)."""
    return (
        passed_beta(1, 2, 3)
        .at("prod", 1, "passed")
        .at("prod", 2, "passed")
        .rejected("prod", 3)
        .target("prod", "a", 2, "rolled_back", succeeded=(1,))
        .target("prod", "b", 3, "succeeded", succeeded=b_succeeded)
    )


def test_a_whole_stage_rollback_moves_only_the_target_not_yet_rolled_back() -> None:
    state = after_single_rollback().state()
    reply = answer(PIPE, state, ann("prod"), now=0)
    assert reply.rollbacks == (move("b", 3, 2),)
    # v3 is already rejected: nothing more to reject; a is left alone.
    assert reply.decisions == (rollback_step("b", 3, 2, "rolled back by ann"),)
    assert_no_move_onto_a_rejected_version(state, reply)


def test_naming_both_targets_sends_both_to_v1_and_rejects_v2() -> None:
    state = after_single_rollback(b_succeeded=(2, 1)).state()
    reply = answer(PIPE, state, ann("prod/a", "prod/b"), now=0)
    assert reply.rollbacks == (move("a", 2, 1), move("b", 3, 1))
    assert reply.decisions == (
        RejectStage(
            stage="prod", version=2, reason="rolled back by ann", actor="ann", comment="rolled back"
        ),
        rollback_step("a", 2, 1, "rolled back by ann"),
        rollback_step("b", 3, 1, "rolled back by ann"),
    )
    assert_no_move_onto_a_rejected_version(state, reply)


NO_ROLLBACK = pipeline(stage("beta"), stage("prod", "a", "b", rollback=False))


def b_failed_v3_without_rollback() -> StateBuilder:
    """A stage without automatic rollback: v1 and v2 passed; v3 failed on b and was
    rejected; a never began it and runs v2. b's whole record is (2, 1); the store reads
    past v2 because a runs it (tests/store/test_store.py checks that loading)."""
    return (
        passed_beta(1, 2, 3)
        .at("prod", 1, "passed")
        .at("prod", 2, "passed")
        .rejected("prod", 3)
        .target("prod", "a", 2, "succeeded", succeeded=(1,))
        .target("prod", "b", 3, "failed", succeeded=(2,))
    )


def test_the_same_bare_stage_rollback_with_bs_whole_history() -> None:
    builder = b_failed_v3_without_rollback().target("prod", "b", 3, "failed", succeeded=(2, 1))
    state = builder.state()
    reply = answer(NO_ROLLBACK, state, ann("prod"), now=0)
    # A bare stage means the targets on its newest version: b leaves v3 (already
    # rejected) for v2; a, which never got v3, keeps v2, and v2 stays good.
    assert reply.rollbacks == (move("b", 3, 2),)
    assert rejected_by(reply.decisions) == set()
    assert_no_move_onto_a_rejected_version(state, reply)


def test_a_bare_stage_leaves_a_target_that_never_got_its_newest_version() -> None:
    state = on_v3("passed").state()  # a runs v3, b still runs v1
    reply = answer(PIPE, state, ann("prod"), now=0)
    assert reply.rollbacks == (move("a", 3, 2),)
    assert rejected_by(reply.decisions) == {("prod", 3)}


def test_a_bare_stage_moves_every_target_on_its_newest_version_rolled_back_or_not() -> None:
    # a was rolled back from v3 to v2; b never began v3 and runs v2: both run the
    # stage's newest version, v2, so rolling back the stage moves both off it.
    state = (
        passed_beta(1, 2, 3)
        .at("prod", 1, "passed")
        .at("prod", 2, "passed")
        .rejected("prod", 3)
        .target("prod", "a", 2, "rolled_back", succeeded=(1,))
        .target("prod", "b", 2, "succeeded", succeeded=(1,))
        .state()
    )
    reply = answer(PIPE, state, ann("prod"), now=0)
    assert reply.rollbacks == (move("a", 2, 1), move("b", 2, 1))
    assert rejected_by(reply.decisions) == {("prod", 2)}
    assert_no_move_onto_a_rejected_version(state, reply)


def test_a_bare_stage_whose_targets_have_nothing_older_is_refused() -> None:
    state = (
        passed_beta(1, 2)
        .at("prod", 1, "passed")
        .rejected("prod", 2)
        .target("prod", "a", 1, "rolled_back")
        .target("prod", "b", 1, "rolled_back")
        .state()
    )
    with pytest.raises(StateConflict) as refused:
        answer(PIPE, state, ann("prod"), now=0)
    assert str(refused.value) == "prod/a has no last good version before v1 to roll back to"


# --- (c, d) --to a rejected version, or one that never succeeded there --------------------


def on_v3(v2: StageVersionState, *, b_ran: bool = True) -> StateBuilder:
    """a runs v3, which passed prod; b runs v1 (never ran anything unless `b_ran`); what
    became of v2 in prod is `v2`."""
    builder = passed_beta(1, 2, 3).at("prod", 1, "passed").at("prod", 3, "passed")
    if v2 == "rejected":
        builder.rejected("prod", 2)
    else:
        builder.at("prod", 2, v2)
    succeeded = (2, 1) if v2 in ("rejected", "passed") else (1,)
    builder.target("prod", "a", 3, "succeeded", succeeded=succeeded)
    return builder.target("prod", "b", 1, "succeeded") if b_ran else builder


REJECT_V3 = RejectStage(
    stage="prod", version=3, reason="rolled back by ann", actor="ann", comment="rolled back"
)


@pytest.mark.parametrize(
    ("builder", "message"),
    [
        pytest.param(
            on_v3("rejected"),
            "v2 was rejected in prod; use --force to deploy it there anyway",
            id="rejected-settled",
        ),
        pytest.param(
            on_v3("passed").grant("prod", 2, "reject"),
            "v2 was rejected in prod; use --force to deploy it there anyway",
            id="rejected-by-a-person-in-flight",
        ),
        pytest.param(
            on_v3("superseded"),
            "v2 never succeeded in prod; use --force to deploy it there anyway",
            id="never-succeeded-superseded",
        ),
        pytest.param(
            on_v3("superseded").rejected("beta", 2),
            "v2 never succeeded in prod; use --force to deploy it there anyway",
            id="never-succeeded-never-entered",
        ),
    ],
)
def test_to_a_version_not_good_in_the_stage_needs_force(
    builder: StateBuilder, message: str
) -> None:
    state = builder.state()
    with pytest.raises(StateConflict) as refused:
        answer(PIPE, state, ann("prod/a", to=2), now=0)
    assert str(refused.value) == message
    forced = answer(PIPE, state, ann("prod/a", to=2, force=True), now=0)
    assert forced.rollbacks == (move("a", 3, 2),)
    assert forced.decisions == (REJECT_V3, rollback_step("a", 3, 2, "rolled back by ann"))


def test_to_a_version_that_succeeded_there_and_is_not_rejected_needs_no_force() -> None:
    reply = answer(PIPE, on_v3("passed").state(), ann("prod/a", to=1), now=0)
    assert reply.rollbacks == (move("a", 3, 1),)
    assert reply.decisions == (REJECT_V3, rollback_step("a", 3, 1, "rolled back by ann"))


@pytest.mark.parametrize(
    ("builder", "request_", "message"),
    [
        pytest.param(
            on_v3("passed"),
            ann("prod/a", to=3, force=True),
            "prod/a already runs v3",
            id="to-the-current-version",
        ),
        pytest.param(
            on_v3("passed"),
            ann("prod/a", to=9, force=True),
            "there is no version v9",
            id="to-an-unknown-version",
        ),
        pytest.param(
            on_v3("superseded").built(2, build="failed"),
            ann("prod/a", to=2, force=True),
            "v2 has no successful build to deploy",
            id="to-a-version-whose-build-failed",
        ),
        pytest.param(
            on_v3("passed").target("prod", "b", 2, "succeeded", succeeded=(1,)),
            ann("prod/a", "prod/b", to=2),
            "this rollback moves another target of prod off v2 and rejects it there; use "
            "--force to deploy it on prod/a anyway",
            id="to-a-version-the-same-rollback-rejects",
        ),
    ],
)
def test_to_refusals(builder: StateBuilder, request_: Rollback, message: str) -> None:
    with pytest.raises(StateConflict) as refused:
        answer(PIPE, builder.state(), request_, now=0)
    assert str(refused.value) == message


# --- (e) targets that cannot be rolled back --------------------------------------------


@pytest.mark.parametrize(
    ("builder", "request_", "error", "message"),
    [
        pytest.param(
            on_v3("passed", b_ran=False),
            ann("prod/b"),
            StateConflict,
            "prod/b never ran a version; nothing to roll back",
            id="target-never-ran",
        ),
        pytest.param(
            on_v3("passed", b_ran=False),
            ann("prod/a", "prod/b"),
            StateConflict,
            "prod/b never ran a version; nothing to roll back",
            id="one-bad-target-refuses-all",
        ),
        pytest.param(
            on_v3("passed"),
            ann("prod/b"),
            StateConflict,
            "prod/b has no last good version before v1 to roll back to",
            id="no-last-good",
        ),
        pytest.param(
            on_v3("rejected").target("prod", "a", 3, "succeeded", succeeded=(2,)),
            ann("prod/a"),
            StateConflict,
            "prod/a has no last good version before v3 to roll back to",
            id="only-rejected-successes",
        ),
        pytest.param(
            on_v3("passed"),
            ann("prod/x"),
            StateConflict,
            "stage prod has no target 'x' (targets: a, b)",
            id="unknown-target",
        ),
        pytest.param(
            on_v3("passed"),
            ann("delta/a"),
            StateConflict,
            "no stage named 'delta' (stages: beta, prod)",
            id="unknown-stage",
        ),
        pytest.param(
            on_v3("passed"),
            ann(),
            UsageError,
            "name at least one target, as STAGE/TARGET or STAGE",
            id="no-targets",
        ),
    ],
)
def test_refusals(
    builder: StateBuilder, request_: Rollback, error: type[CaptainError], message: str
) -> None:
    with pytest.raises(error) as refused:
        answer(PIPE, builder.state(), request_, now=0)
    assert str(refused.value) == message


# --- (f) what runs on the target is pre-empted; the version left is rejected ---------------


def v3_in_flight() -> StateBuilder:
    """v3 in flight in prod: a runs its load approval (step 2), b deploys (step 3); beta
    runs v4 (step 4)."""
    return (
        passed_beta(1, 2, 3)
        .built(4)
        .at("beta", 4, "in-flight")
        .at("prod", 1, "passed")
        .at("prod", 2, "passed")
        .at("prod", 3, "in-flight")
        .deployment("prod", "a", 3, "running")
        .deployment("prod", "b", 3, "running")
        .step("prod", "a", 3, 0, "passed")
        .step("prod", "a", 3, 1, "running", kind="run", name="load")
        .step("prod", "b", 3, 0, "running")
        .step("beta", "t1", 4, 0, "running")
        .target("prod", "a", 3, "verifying", succeeded=(2,))
        .target("prod", "b", 3, "deploying", succeeded=(2,))
    )


def test_only_the_named_targets_running_steps_are_stopped_and_the_version_is_rejected() -> None:
    state = v3_in_flight().state()
    reply = answer(PIPE, state, ann("prod/a", reason="slow"), now=0)
    assert reply.decisions == (
        StopStep(step_id=2, actor="ann", reason="pre-empted: rolled back: slow"),
        GrantApproval(
            stage="prod",
            version=3,
            kind="reject",
            actor="ann",
            comment="rolled back: slow",
            reason="rejected while in flight",
        ),
        rollback_step("a", 3, 2, "rolled back by ann: slow"),
    )


def test_a_bare_stage_stops_every_target_and_rejects_the_version_once() -> None:
    state = v3_in_flight().state()
    reply = answer(PIPE, state, ann("prod"), now=0)
    assert reply.rollbacks == (move("a", 3, 2), move("b", 3, 2))
    stops = [d for d in reply.decisions if isinstance(d, StopStep)]
    assert [s.step_id for s in stops] == [2, 3]
    assert rejected_by(reply.decisions) == {("prod", 3)}
    assert len([d for d in reply.decisions if isinstance(d, GrantApproval)]) == 1


def test_a_passed_version_rolled_back_from_is_rejected_at_once() -> None:
    reply = answer(PIPE, on_v3("passed").state(), ann("prod/a"), now=0)
    assert reply.rollbacks == (move("a", 3, 2),)
    assert reply.decisions == (REJECT_V3, rollback_step("a", 3, 2, "rolled back by ann"))


def test_a_version_already_rejected_is_not_rejected_again() -> None:
    state = on_v3("passed").rejected("prod", 3).state()
    reply = answer(PIPE, state, ann("prod/a"), now=0)
    assert reply.decisions == (rollback_step("a", 3, 2, "rolled back by ann"),)

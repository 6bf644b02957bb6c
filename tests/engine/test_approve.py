"""Rule R4 (gates) and R11: `captain approve` — a person grants what waits for them in a
stage: the manual entry gate of a version, or a running `manual` sign-off approval;
`--override-blockers` (with a reason) lets a version through an active blocker."""

from __future__ import annotations

import pytest

from release_captain.engine import EnterStage, FinishStep, Supersede, decide
from release_captain.engine.decisions import GrantApproval
from release_captain.engine.people import answer
from release_captain.engine.requests import Approve
from release_captain.engine.state import GrantKind, StageVersionState
from release_captain.errors import CaptainError, StateConflict, UsageError
from tests.engine.builders import (
    StateBuilder,
    manual_approval,
    pipeline,
    stage,
    with_grants,
)

PIPE = pipeline(
    stage("beta"),
    stage("gamma", "a", "b", promotion="manual", approvals=(manual_approval("qa"),)),
    stage("prod", blockers=("freeze",)),
)
FREEZE = frozenset({"freeze"})


def grant(
    stage: str, version: int, kind: GrantKind, *, comment: str = "", override: bool = False
) -> GrantApproval:
    reason = {
        "entry": "approved entry" + (" overriding blockers" if override else ""),
        "signoff": "approved sign-off",
        "reject": "",
    }[kind]
    return GrantApproval(
        stage=stage,
        version=version,
        kind=kind,
        actor="ann",
        comment=comment,
        override_blockers=override,
        reason=reason,
    )


def passed_beta(*versions: int) -> StateBuilder:
    """Versions built and passed beta, so candidates of gamma."""
    builder = StateBuilder().built(*versions)
    for v in versions:
        builder.at("beta", v, "passed")
    return builder


def signoff_waiting(version: int = 1) -> StateBuilder:
    """gamma runs `version`; target a waits for the qa sign-off, b is still deploying."""
    return (
        passed_beta(version)
        .at("gamma", version, "in-flight")
        .deployment("gamma", "a", version, "running")
        .deployment("gamma", "b", version, "running")
        .step("gamma", "a", version, 0, "passed")
        .step("gamma", "a", version, 1, "running", kind="manual", name="qa")
        .step("gamma", "b", version, 0, "running")
    )


# --- what is granted ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("builder", "request_", "expected_version", "message"),
    [
        pytest.param(
            passed_beta(1),
            Approve(stage="gamma", actor="ann"),
            1,
            "approved v1 to enter gamma",
            id="default-is-the-waiting-version",
        ),
        pytest.param(
            passed_beta(1, 2),
            Approve(stage="gamma", actor="ann"),
            2,
            "approved v2 to enter gamma",
            id="default-is-the-newest-waiting",
        ),
        pytest.param(
            passed_beta(1, 2),
            Approve(stage="gamma", version=1, actor="ann"),
            1,
            "approved v1 to enter gamma",
            id="explicit-older-candidate",
        ),
        pytest.param(
            StateBuilder().built(1, 2).at("beta", 1, "passed").at("beta", 2, "in-flight"),
            Approve(stage="gamma", version=2, actor="ann"),
            2,
            "approved v2 to enter gamma",
            id="explicit-ahead-of-time",
        ),
    ],
)
def test_an_entry_gate_approval_grants_the_versions_entry(
    builder: StateBuilder, request_: Approve, expected_version: int, message: str
) -> None:
    reply = answer(PIPE, builder.state(), request_, now=0)
    assert reply.decisions == (grant("gamma", expected_version, "entry"),)
    assert (reply.message, reply.stage, reply.version, reply.approved) == (
        message,
        "gamma",
        expected_version,
        "entry",
    )


def test_the_comment_travels_with_the_grant() -> None:
    request = Approve(stage="gamma", comment="looks good", actor="ann")
    reply = answer(PIPE, passed_beta(1).state(), request, now=0)
    assert reply.decisions == (grant("gamma", 1, "entry", comment="looks good"),)


@pytest.mark.parametrize(
    "request_",
    [
        pytest.param(Approve(stage="gamma", actor="ann"), id="default"),
        pytest.param(Approve(stage="gamma", version=1, actor="ann"), id="explicit"),
    ],
)
def test_a_running_signoff_is_approved_once_for_its_version(request_: Approve) -> None:
    state = signoff_waiting(1).state()
    reply = answer(PIPE, state, request_, now=0)
    assert reply.decisions == (grant("gamma", 1, "signoff"),)
    assert (reply.message, reply.approved, reply.version) == (
        "approved the sign-off of v1 in gamma",
        "signoff",
        1,
    )
    after = decide(PIPE, with_grants(state, reply.decisions), now=0)
    assert FinishStep(step_id=2, passed=True, reason="signed off by a person") in after.decisions


def test_a_signoff_comes_before_the_entry_gate_of_a_newer_version() -> None:
    state = signoff_waiting(1).built(2).at("beta", 2, "passed").state()
    assert decide(PIPE, state, now=0).holds["gamma"].version == 2
    reply = answer(PIPE, state, Approve(stage="gamma", actor="ann"), now=0)
    assert reply.decisions == (grant("gamma", 1, "signoff"),)
    newer = answer(PIPE, state, Approve(stage="gamma", version=2, actor="ann"), now=0)
    assert newer.decisions == (grant("gamma", 2, "entry"),)


# --- blockers ----------------------------------------------------------------------------


def prod_candidate() -> StateBuilder:
    return passed_beta(1).at("gamma", 1, "passed")


def test_a_blocker_held_version_is_refused_with_the_override_hint() -> None:
    state = prod_candidate().state(active_blockers=FREEZE)
    with pytest.raises(StateConflict) as refused:
        answer(PIPE, state, Approve(stage="prod", actor="ann"), now=0)
    assert str(refused.value) == (
        "v1 waits for a blocker in prod (blocker freeze is active); to let it through "
        "anyway: captain approve prod --override-blockers --comment WHY"
    )


def test_override_blockers_needs_a_comment() -> None:
    state = prod_candidate().state(active_blockers=FREEZE)
    request = Approve(stage="prod", override_blockers=True, actor="ann")
    with pytest.raises(UsageError, match="--override-blockers needs a --comment"):
        answer(PIPE, state, request, now=0)


def test_override_blockers_grants_an_entry_that_passes_the_blocker() -> None:
    state = prod_candidate().state(active_blockers=FREEZE)
    request = Approve(stage="prod", override_blockers=True, comment="hotfix", actor="ann")
    reply = answer(PIPE, state, request, now=0)
    assert reply.decisions == (grant("prod", 1, "entry", comment="hotfix", override=True),)
    assert reply.message == "approved v1 to enter prod (overriding blockers)"
    assert decide(PIPE, state, now=0).holds["prod"].reason == "blocker"
    after = decide(PIPE, with_grants(state, reply.decisions), now=0)
    assert EnterStage(stage="prod", version=1, reason="newest candidate") in after.decisions


# --- manual gate: an approval never carries a different version ---------------------------


def test_approving_the_older_candidate_takes_it_and_the_newer_waits_for_its_own() -> None:
    state = passed_beta(1, 2).state()
    reply = answer(PIPE, state, Approve(stage="gamma", version=1, actor="ann"), now=0)
    after = decide(PIPE, with_grants(state, reply.decisions), now=0)
    gamma = [d for d in after.decisions if getattr(d, "stage", None) == "gamma"]
    assert gamma == [EnterStage(stage="gamma", version=1, reason="approved by a person")]
    assert not any(isinstance(d, Supersede) for d in after.decisions)
    hold = after.holds["gamma"]
    assert (hold.version, hold.reason) == (2, "manual-approval")


# --- refusals ----------------------------------------------------------------------------


@pytest.mark.parametrize("recorded", ["passed", "rejected", "superseded", "in-flight"])
def test_a_version_the_stage_already_settled_or_took_is_refused(
    recorded: StageVersionState,
) -> None:
    state = passed_beta(1, 2).at("gamma", 1, recorded).state()
    with pytest.raises(StateConflict) as refused:
        answer(PIPE, state, Approve(stage="gamma", version=1, actor="ann"), now=0)
    assert str(refused.value) == f"v1 was already {recorded} in gamma; nothing to approve"


def test_a_version_a_newer_one_superseded_in_the_stage_is_refused() -> None:
    # v1 and v2 passed beta; gamma took v2 and recorded v1 superseded (rule R3).
    state = passed_beta(1, 2).at("gamma", 1, "superseded").at("gamma", 2, "in-flight").state()
    with pytest.raises(StateConflict, match="v1 was already superseded in gamma"):
        answer(PIPE, state, Approve(stage="gamma", version=1, actor="ann"), now=0)


def test_a_version_older_than_the_one_the_stage_took_is_refused() -> None:
    state = (
        StateBuilder()
        .built(1, 2)
        .rejected("beta", 1)
        .at("beta", 2, "passed")
        .at("gamma", 2, "in-flight")
        .state()
    )
    with pytest.raises(StateConflict, match="v1"):
        answer(PIPE, state, Approve(stage="gamma", version=1, actor="ann"), now=0)


@pytest.mark.parametrize(
    ("builder", "request_", "error", "message"),
    [
        pytest.param(
            StateBuilder().built(1),
            Approve(stage="gamma", actor="ann"),
            StateConflict,
            "nothing in gamma waits for a person",
            id="no-candidate",
        ),
        pytest.param(
            passed_beta(1).at("gamma", 1, "passed"),
            Approve(stage="gamma", actor="ann"),
            StateConflict,
            "nothing in gamma waits for a person",
            id="everything-settled",
        ),
        pytest.param(
            passed_beta(1, 2)
            .at("gamma", 1, "passed")
            .at("gamma", 2, "passed")
            .at("prod", 1, "in-flight"),
            Approve(stage="prod", actor="ann"),
            StateConflict,
            "nothing in prod waits for a person",
            id="automatic-stage-busy",
        ),
        pytest.param(
            passed_beta(1),
            Approve(stage="gamma", version=9, actor="ann"),
            StateConflict,
            "there is no version v9",
            id="unknown-version",
        ),
        pytest.param(
            passed_beta(1),
            Approve(stage="delta", actor="ann"),
            StateConflict,
            "no stage named 'delta' (stages: beta, gamma, prod)",
            id="unknown-stage",
        ),
        pytest.param(
            passed_beta(1),
            Approve(stage="gamma", override_blockers=True, actor="ann"),
            UsageError,
            "--override-blockers needs a --comment saying why",
            id="override-without-comment",
        ),
    ],
)
def test_refusals(
    builder: StateBuilder, request_: Approve, error: type[CaptainError], message: str
) -> None:
    with pytest.raises(error) as refused:
        answer(PIPE, builder.state(), request_, now=0)
    assert str(refused.value) == message

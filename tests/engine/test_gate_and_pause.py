"""Rules R4 and R11: `captain gate STAGE manual|automatic`, `captain pause` and
`captain resume` — a person switches a stage's promotion or stops it taking new
versions; each is one `SetControl` decision carrying who asked, and the gate then
holds (or lets through) the stage's candidate accordingly."""

from __future__ import annotations

import pytest

from release_captain.engine import EnterStage, decide
from release_captain.engine.decisions import SetControl
from release_captain.engine.people import answer
from release_captain.engine.requests import Answer, Pause, Request, Resume, SetGate
from release_captain.errors import StateConflict
from tests.engine.builders import StateBuilder, pipeline, stage

PIPE = pipeline(stage("beta"), stage("gamma", promotion="manual"))
STATE = StateBuilder().built(1).at("beta", 1, "passed").state()


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        pytest.param(
            SetGate(stage="gamma", mode="automatic", actor="ann"),
            Answer(
                message="gamma promotion is now automatic",
                stage="gamma",
                promotion="automatic",
                decisions=(
                    SetControl(
                        stage="gamma",
                        actor="ann",
                        promotion="automatic",
                        reason="promotion automatic",
                    ),
                ),
            ),
            id="gate-automatic",
        ),
        pytest.param(
            SetGate(stage="beta", mode="manual", actor="bob"),
            Answer(
                message="beta promotion is now manual",
                stage="beta",
                promotion="manual",
                decisions=(
                    SetControl(
                        stage="beta", actor="bob", promotion="manual", reason="promotion manual"
                    ),
                ),
            ),
            id="gate-manual",
        ),
        pytest.param(
            Pause(stage="beta", reason="incident 42", actor="ann"),
            Answer(
                message="beta is paused: it takes no new version",
                stage="beta",
                paused=True,
                decisions=(
                    SetControl(
                        stage="beta",
                        actor="ann",
                        paused=True,
                        pause_reason="incident 42",
                        reason="incident 42",
                    ),
                ),
            ),
            id="pause-with-reason",
        ),
        pytest.param(
            Pause(stage="beta", actor="ann"),
            Answer(
                message="beta is paused: it takes no new version",
                stage="beta",
                paused=True,
                decisions=(SetControl(stage="beta", actor="ann", paused=True, reason=""),),
            ),
            id="pause-without-reason",
        ),
        pytest.param(
            Resume(stage="beta", actor="ann"),
            Answer(
                message="beta resumed",
                stage="beta",
                paused=False,
                decisions=(SetControl(stage="beta", actor="ann", paused=False, reason=""),),
            ),
            id="resume",
        ),
    ],
)
def test_each_command_is_one_set_control_with_its_actor(
    request_: Request, expected: Answer
) -> None:
    assert answer(PIPE, STATE, request_, now=0) == expected


@pytest.mark.parametrize(
    "request_",
    [
        pytest.param(SetGate(stage="delta", mode="manual"), id="gate"),
        pytest.param(Pause(stage="delta"), id="pause"),
        pytest.param(Resume(stage="delta"), id="resume"),
    ],
)
def test_an_unknown_stage_is_refused_naming_the_stages(request_: Request) -> None:
    with pytest.raises(StateConflict) as refused:
        answer(PIPE, STATE, request_, now=0)
    assert str(refused.value) == "no stage named 'delta' (stages: beta, gamma)"


def test_the_gate_switch_is_what_decide_then_obeys() -> None:
    held = decide(PIPE, STATE, now=0)
    assert held.holds["gamma"].reason == "manual-approval"
    builder = StateBuilder().built(1).at("beta", 1, "passed")
    switched = decide(PIPE, builder.control("gamma", promotion="automatic").state(), now=0)
    assert EnterStage(stage="gamma", version=1, reason="newest candidate") in switched.decisions


def test_a_pause_holds_the_candidate_with_its_reason_and_a_resume_lets_it_in() -> None:
    auto = pipeline(stage("beta"))
    paused = StateBuilder().built(1).control("beta", paused=True, pause_reason="incident 42")
    hold = decide(auto, paused.state(), now=0).holds["beta"]
    assert (hold.version, hold.reason, hold.detail) == (
        1,
        "paused",
        "stage is paused: incident 42",
    )
    resumed = StateBuilder().built(1).control("beta", paused=False).state()
    assert decide(auto, resumed, now=0).decisions == (
        EnterStage(stage="beta", version=1, reason="newest candidate"),
    )

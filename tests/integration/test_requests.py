"""People's commands reach a running engine through its request queue (rule R11):
applied within a second, each exactly once, however many arrive at once."""

from __future__ import annotations

import json
import multiprocessing
import time
from pathlib import Path

import pytest

from tests.integration.conftest import Project

pytestmark = pytest.mark.slow

PIPELINE = """
[pipeline]
name = "requests"

[[sources]]
name = "app"
repo = "repo"

[defaults]
deploy = "true"

[[stages]]
name = "beta"
targets = ["local"]

[[stages]]
name = "gamma"
promotion = "manual"
targets = ["a"]
"""


def stage_of(status: dict, name: str) -> dict:
    return next(s for s in status["stages"] if s["name"] == name)


def test_an_approval_given_while_the_engine_runs_takes_effect_within_a_second(
    project: Project, engines: list
) -> None:
    (project.root / "pipeline.toml").write_text(PIPELINE)
    project.commit("first")
    engines.append(project.start())
    project.wait_for(
        lambda: (
            (stage_of(project.status(), "gamma")["waiting"] or {}).get("reason")
            == "manual-approval"
        ),
        what="gamma to wait for a person",
    )
    done = project.captain("approve", "gamma", "--comment", "ship it")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "approved v1 to enter gamma"
    approved = time.monotonic()
    project.wait_for(
        lambda: stage_of(project.status(), "gamma")["passed"] == "v1", timeout=5, what="gamma"
    )
    assert time.monotonic() - approved < 2.0


def _send(config: str, worker: int, count: int) -> list[str]:
    from release_captain.service import Captain

    captain = Captain.from_config(Path(config))
    answers = []
    for i in range(count):
        match (worker + i) % 3:
            case 0:
                result = captain.pause("beta", reason=f"w{worker}-{i}")
            case 1:
                result = captain.resume("beta")
            case _:
                result = captain.approve("gamma", version=1, comment=f"w{worker}-{i}")
        answers.append(result.message)
    return answers


def test_two_hundred_requests_from_parallel_processes_are_each_applied_once(
    project: Project, engines: list
) -> None:
    (project.root / "pipeline.toml").write_text(PIPELINE)
    project.commit("first")
    assert project.captain("pause", "gamma").returncode == 0  # so approvals keep it waiting
    engines.append(project.start())
    project.wait_for(lambda: project.status()["engine"]["running"], what="the engine")
    project.wait_for(
        lambda: stage_of(project.status(), "beta")["passed"] == "v1", what="beta to pass"
    )
    workers, each = 8, 25
    context = multiprocessing.get_context("spawn")
    with context.Pool(workers) as pool:
        answers = pool.starmap(
            _send, [(str(project.root / "pipeline.toml"), w, each) for w in range(workers)]
        )
    assert sum(len(a) for a in answers) == 200
    history = [
        json.loads(line) for line in project.captain("history", "--json").stdout.splitlines()
    ]
    pauses = [e for e in history if e["kind"] == "stage.paused" and e["stage"] == "beta"]
    resumes = [e for e in history if e["kind"] == "stage.resumed" and e["stage"] == "beta"]
    grants = [e for e in history if e["kind"] == "approval.granted" and e["stage"] == "gamma"]
    expected = {k: 0 for k in range(3)}
    for w in range(workers):
        for i in range(each):
            expected[(w + i) % 3] += 1
    assert (len(pauses), len(resumes), len(grants)) == (expected[0], expected[1], expected[2])
    comments = [e["detail"].rsplit(": ", 1)[-1] for e in grants]
    assert len(set(comments)) == len(comments), "an approval was applied twice"
    ids = [e["id"] for e in history]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)

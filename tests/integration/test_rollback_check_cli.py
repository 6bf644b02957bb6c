"""SPEC §11's rollback-safety check with the real commands: `run --until-idle`, then
what `status`, `history` and `logs` say about its four parts."""

from __future__ import annotations

import json

import pytest

from tests.integration.conftest import Project

pytestmark = pytest.mark.slow

PIPELINE = """
[pipeline]
name = "rbcheck"

[[sources]]
name = "app"
repo = "repo"

[build]
run = ["cp app.txt \\"$CAPTAIN_OUT/app.txt\\""]
artefacts = ["app.txt"]

[defaults]
deploy = "sh deploy.sh"
timeout = "30s"

[[stages]]
name = "gamma"
targets = ["east"]
approvals = [{ name = "rollback-safety", rollback_check = true, run = "sh check.sh" }]
"""

DEPLOY = """
mkdir -p running
cp "$CAPTAIN_ARTEFACTS/app.txt" running/east
echo "deploy $CAPTAIN_ACTION $CAPTAIN_VERSION"
"""

# Fails on any version whose bytes say "broken" (as a v1 that cannot take v2's data).
CHECK = """
echo "check $CAPTAIN_VERSION: $(cat running/east)"
! grep -q broken running/east
"""


def release(project: Project, content: str) -> None:
    project.commit(content, **{"app.txt": content + "\n"})
    done = project.captain("run", "--headless", "--until-idle", timeout=120)
    assert done.returncode in (0, 1), done.stderr


def target(project: Project) -> dict:
    (gamma,) = project.status()["stages"]
    (east,) = gamma["targets"]
    return east


@pytest.fixture
def gamma(project: Project) -> Project:
    (project.root / "pipeline.toml").write_text(PIPELINE)
    (project.root / "deploy.sh").write_text(DEPLOY)
    (project.root / "check.sh").write_text(CHECK)
    return project


def history(project: Project) -> list[dict]:
    done = project.captain("history", "--json")
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_the_check_passes_at_once_then_tests_rollback_and_says_so_everywhere(
    gamma: Project,
) -> None:
    release(gamma, "one")
    first = target(gamma)
    assert (first["version"], first["state"]) == ("v1", "succeeded")
    passed = [e["detail"] for e in history(gamma) if e["kind"] == "step.passed"]
    assert any("no last good version on this target" in d for d in passed), passed
    release(gamma, "two")
    east = target(gamma)
    assert (east["version"], east["state"], east["last_good"]) == ("v2", "succeeded", "v1")
    assert [(a["name"], a["state"]) for a in east["approvals"]] == [
        ("rollback-safety: redeploy last good", "passed"),
        ("rollback-safety: check last good", "passed"),
        ("rollback-safety: deploy new again", "passed"),
        ("rollback-safety: check new", "passed"),
    ]
    logs = gamma.captain("logs", "v2", "gamma/east")
    assert logs.returncode == 0, logs.stderr
    order = [
        "deploy deploy v2",
        "deploy rollback-check v1",
        "check v1: one",
        "deploy deploy v2",
        "check v2: two",
    ]
    at = 0
    for line in order:
        at = logs.stdout.index(line, at) + len(line)
    assert (gamma.root / "running" / "east").read_text() == "two\n"


def test_a_check_failing_on_the_last_good_version_rejects_the_new_one(gamma: Project) -> None:
    release(gamma, "one broken")  # no last good: the check passes at once
    release(gamma, "two")
    east = target(gamma)
    assert (east["version"], east["state"]) == ("v1", "rolled_back")
    (gamma_stage,) = gamma.status()["stages"]
    assert gamma_stage["passed"] == "v1"
    events = history(gamma)
    assert any(e["kind"] == "stage.rejected" and e["version"] == "v2" for e in events), events
    failed = [e["detail"] for e in events if e["kind"] == "target.failed"]
    assert failed and failed[0].startswith("rollback-safety: check last good failed"), failed
    assert (gamma.root / "running" / "east").read_text() == "one broken\n"

"""`captain rollback` (rule R8) with the real command, with and without an engine."""

from __future__ import annotations

import json
import time

import pytest

from tests.integration.conftest import Project

pytestmark = pytest.mark.slow

PIPELINE = """
[pipeline]
name = "rb"

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
name = "beta"
targets = ["one", "two"]
approvals = [{ name = "check", run = "sh check.sh" }]

[[stages]]
name = "prod"
targets = ["r1"]
"""

DEPLOY = """
[ -f fail-rollback ] && [ "$CAPTAIN_ACTION" = rollback ] && exit 7
mkdir -p running
cp "$CAPTAIN_ARTEFACTS/app.txt" "running/$CAPTAIN_STAGE-$CAPTAIN_TARGET"
echo "$CAPTAIN_ACTION $CAPTAIN_VERSION $CAPTAIN_PREVIOUS_VERSION" >> "running/$CAPTAIN_TARGET.log"
"""

CHECK = """
[ -f slow-check ] && [ "$CAPTAIN_VERSION" = v3 ] && [ "$CAPTAIN_TARGET" = one ] && sleep 30
exit 0
"""


@pytest.fixture
def two_versions(project: Project) -> Project:
    (project.root / "pipeline.toml").write_text(PIPELINE)
    (project.root / "deploy.sh").write_text(DEPLOY)
    (project.root / "check.sh").write_text(CHECK)
    for n in (1, 2):
        project.commit(f"v{n}", **{"app.txt": f"content {n}\n"})
        done = project.captain("run", "--headless", "--until-idle", timeout=120)
        assert done.returncode == 0, done.stderr
    return project


def running(project: Project, stage: str, target: str) -> str:
    return (project.root / "running" / f"{stage}-{target}").read_text()


def test_rollback_without_an_engine_redeploys_last_good_and_rejects(two_versions: Project) -> None:
    p = two_versions
    done = p.captain("rollback", "beta/one", "--reason", "bad numbers", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "rollbacks": [
            {"stage": "beta", "target": "one", "from": "v2", "to": "v1", "state": "succeeded"}
        ]
    }
    assert running(p, "beta", "one") == "content 1\n"
    assert "rollback v1 v2" in (p.root / "running" / "one.log").read_text()
    versions = json.loads(p.captain("versions", "--json").stdout)
    assert versions[0]["stages"]["beta"] == "rejected"
    again = p.captain("run", "--headless", "--until-idle")
    assert again.returncode == 0
    assert running(p, "beta", "one") == "content 1\n", "the rejected version came back"
    history = [json.loads(line) for line in p.captain("history", "--json").stdout.splitlines()]
    asked = [
        e for e in history if e["kind"] == "rejection.requested" or e["kind"] == "stage.rejected"
    ]
    assert any("bad numbers" in e["detail"] and e["actor"] != "captain" for e in asked)


def test_rollback_of_a_stage_to_a_version_rolls_back_every_target(two_versions: Project) -> None:
    p = two_versions
    done = p.captain("rollback", "beta", "--to", "v1", "--json")
    assert done.returncode == 0, done.stderr
    items = json.loads(done.stdout)["rollbacks"]
    assert {(i["target"], i["to"], i["state"]) for i in items} == {
        ("one", "v1", "succeeded"),
        ("two", "v1", "succeeded"),
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["prod/nowhere"], "has no target 'nowhere'"),
        (["staging"], "no stage named 'staging'"),
        (["beta/one", "--to", "v9"], "there is no version v9"),
    ],
)
def test_rollback_conflicts_exit_3_with_one_sentence(
    two_versions: Project, args: list[str], message: str
) -> None:
    done = two_versions.captain("rollback", *args)
    assert done.returncode == 3
    assert message in done.stderr and done.stderr.count("\n") == 1


def test_nothing_to_roll_back_to_exits_3(project: Project) -> None:
    (project.root / "pipeline.toml").write_text(PIPELINE)
    (project.root / "deploy.sh").write_text(DEPLOY)
    (project.root / "check.sh").write_text(CHECK)
    project.commit("v1", **{"app.txt": "1\n"})
    assert project.captain("run", "--headless", "--until-idle").returncode == 0
    done = project.captain("rollback", "prod/r1")
    assert done.returncode == 3
    assert "no last good version before v1" in done.stderr


def test_a_failing_rollback_deploy_exits_1_with_state_failed(two_versions: Project) -> None:
    (two_versions.root / "fail-rollback").write_text("")
    done = two_versions.captain("rollback", "prod/r1", "--json")
    assert done.returncode == 1
    assert json.loads(done.stdout)["rollbacks"][0]["state"] == "failed"


def test_rollback_with_an_engine_pre_empts_a_newer_version_mid_approval(
    two_versions: Project, engines: list
) -> None:
    p = two_versions
    (p.root / "slow-check").write_text("")
    engines.append(p.start())
    p.commit("v3", **{"app.txt": "content 3\n"})

    def v3_in_approval() -> bool:
        beta = next(s for s in p.status()["stages"] if s["name"] == "beta")
        return any(t["version"] == "v3" and t["state"] == "verifying" for t in beta["targets"])

    p.wait_for(v3_in_approval, what="v3 in its approval")
    started = time.monotonic()
    done = p.captain("rollback", "beta/one", "--json", "--reason", "stop it")
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - started < 10, "the rollback waited for the slow approval"
    assert json.loads(done.stdout)["rollbacks"][0]["to"] == "v2"
    p.wait_for(
        lambda: next(s for s in p.status()["stages"] if s["name"] == "beta")["in_flight"] is None,
        what="beta to settle",
    )
    versions = json.loads(p.captain("versions", "--json").stdout)
    v3 = next(v for v in versions if v["version"] == "v3")
    assert v3["stages"].get("beta") == "rejected"
    assert "prod" not in v3["stages"]

"""Rule R10 under fire: the engine is killed with SIGKILL at random moments while
several commits flow through the pipeline, and restarted each time. At the end nothing
recorded is lost and every record is consistent."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import time
from collections import Counter

import pytest

from tests.integration.conftest import Project

pytestmark = pytest.mark.slow

PIPELINE = """
[pipeline]
name = "crash"
max_parallel = 8

[[sources]]
name = "app"
repo = "repo"

[build]
run = ["sleep 0.1", "cp app.txt \\"$CAPTAIN_OUT/app.txt\\""]
artefacts = ["app.txt"]

[defaults]
deploy = "sh deploy.sh"
timeout = "30s"

[[stages]]
name = "beta"
targets = ["local"]
approvals = [{ name = "check", run = "sleep 0.15" }]

[[stages]]
name = "prod"
waves = [["a", "b"], ["c", "d"]]
onebox = { approvals = [{ name = "smoke", run = "sleep 0.05" }] }
approvals = [{ name = "settle", wait = "300ms" }]

[[notify]]
on = ["stage.*", "target.*"]
run = "sh notify.sh"
"""

# Notes each event it is started for, then takes a while, so kills land mid-notify.
NOTIFY = """
read -r event
echo "$CAPTAIN_EVENT_KIND $event" >> notified
sleep 0.4
"""

# Safe to re-run, not to run twice at once: it notes any run that starts while another
# still runs on the same target (a crash leaves its deploy running: the next engine must
# end it before running the step again, rule R10).
DEPLOY = """
mkdir -p running
mark="running/$CAPTAIN_STAGE-$CAPTAIN_TARGET.pid"
other=$(cat "$mark" 2>/dev/null)
# alive and not a zombie (an orphan waits for init to reap it, and kill -0 still works)
if [ -n "$other" ] && [ -r "/proc/$other/stat" ] && ! grep -q ') [ZX] ' "/proc/$other/stat"
then
    echo "$CAPTAIN_STAGE/$CAPTAIN_TARGET $CAPTAIN_VERSION" >> overlaps
fi
echo $$ > "$mark"
sleep 0.6
cp "$CAPTAIN_ARTEFACTS/app.txt" "running/$CAPTAIN_STAGE-$CAPTAIN_TARGET-$CAPTAIN_ONEBOX"
rm -f "$mark"
"""


def run_crash_test(project: Project, *, kills: int, commits: int, seed: int) -> None:
    rng = random.Random(seed)
    (project.root / "pipeline.toml").write_text(PIPELINE)
    (project.root / "deploy.sh").write_text(DEPLOY)
    (project.root / "notify.sh").write_text(NOTIFY)
    project.commit("v1", **{"app.txt": "1\n"})
    made = 1
    out = project.root / "engine.out"
    for kill in range(kills):
        seen = out.read_text().count("engine.started") if out.exists() else 0
        engine = project.start()
        project.wait_for(
            lambda seen=seen: out.read_text().count("engine.started") > seen,
            timeout=20,
            what="the engine to start",
        )
        time.sleep(rng.uniform(0.0, 0.8))
        if made < commits and rng.random() < commits / kills * 1.5:
            made += 1
            project.commit(f"v{made}", **{"app.txt": f"{made}\n"})
        os.kill(engine.pid, signal.SIGKILL)
        engine.wait()
        del kill
    while made < commits:
        made += 1
        project.commit(f"v{made}", **{"app.txt": f"{made}\n"})
    done = project.captain("run", "--headless", "--until-idle", timeout=300)
    assert done.returncode == 0, done.stderr
    check_consistency(project, newest_content=f"{made}\n")


def check_consistency(project: Project, *, newest_content: str) -> None:
    overlaps = project.root / "overlaps"
    assert not overlaps.exists(), f"deploys ran twice at once: {overlaps.read_text()}"
    state = project.root / ".captain"
    db = sqlite3.connect(state / "state.db")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    status = project.status()
    newest = status["latest_version"]
    for stage in status["stages"]:
        assert stage["in_flight"] is None, stage
        for target in stage["targets"]:
            assert target["state"] in ("succeeded", "idle"), (stage["name"], target)
            assert target["version"] == newest, (stage["name"], target)
            ran = project.root / "running" / f"{stage['name']}-{target['name']}-0"
            assert ran.read_text() == newest_content, "a target runs other bytes than recorded"
    # versions' states per stage agree with their deployments
    rows = db.execute("SELECT stage, version, state FROM stage_versions").fetchall()
    for stage, version, state in rows:
        deployments = dict(
            db.execute(
                "SELECT target, state FROM deployments WHERE stage = ? AND version = ?",
                (stage, version),
            ).fetchall()
        )
        if state == "passed":
            assert deployments and set(deployments.values()) == {"succeeded"}, (stage, version)
        elif state == "superseded":
            assert not deployments, (stage, version)
        assert state != "in-flight"
    assert db.execute("SELECT COUNT(*) FROM steps WHERE state = 'running'").fetchone()[0] == 0
    # build once: every version the engine saw was built exactly once (a build cut off
    # by a kill starts again; one that finished is never repeated)
    history = [
        json.loads(line) for line in project.captain("history", "--json").stdout.splitlines()
    ]
    detected = {e["version"] for e in history if e["kind"] == "version.detected"}
    built = Counter(e["version"] for e in history if e["kind"] == "build.succeeded")
    assert detected and newest in detected, (newest, detected)
    assert built == dict.fromkeys(detected, 1), f"builds per version: {dict(built)}"
    finished_at = {}
    for event in history:
        if event["kind"] == "build.succeeded":
            finished_at[event["version"]] = event["id"]
        elif event["kind"] == "build.started" and event["version"] in finished_at:
            raise AssertionError(f"{event['version']} was built again after it finished")
    # event ids strictly increasing, with no gaps in what was recorded
    ids = [e["id"] for e in history]
    assert ids == list(range(ids[0], ids[0] + len(ids))), "history has gaps or reorders"
    assert any(e["kind"] == "step.interrupted" for e in history), "no kill landed mid-step"
    rejected = [e for e in history if e["kind"] == "stage.rejected"]
    assert not rejected, f"a crash made a good version fail: {rejected}"
    check_notified_at_most_once(project, history)


def check_notified_at_most_once(project: Project, history: list[dict]) -> None:
    """SPEC §11: no event notified twice across the kills, and only matching ones."""
    lines = (project.root / "notified").read_text().splitlines()
    sent = Counter(json.loads(line.split(" ", 1)[1])["id"] for line in lines)
    assert sent and max(sent.values()) == 1, f"notified twice: {sent.most_common(3)}"
    kinds = {e["id"]: e["kind"] for e in history}
    assert all(kinds[i].startswith(("stage.", "target.")) for i in sent)
    cut_off = [e for e in history if e["kind"] == "notify.failed" and "cut off" in e["detail"]]
    assert cut_off, "no kill landed mid-notify"


def test_thirty_kills_lose_nothing(project: Project) -> None:
    run_crash_test(project, kills=30, commits=4, seed=1234)


@pytest.mark.soak
@pytest.mark.timeout(3600)  # 300 starts and kills take several minutes
def test_many_kills_lose_nothing(project: Project) -> None:
    """The long variant: `pytest -m soak` (not run in CI): 300 kills, no overlap."""
    run_crash_test(
        project, kills=int(os.environ.get("CAPTAIN_SOAK_KILLS", "300")), commits=12, seed=7
    )


RBCHECK_PIPELINE = """
[pipeline]
name = "crash-rbcheck"

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
targets = ["a"]
approvals = [{ name = "rollback-safety", rollback_check = true, run = "sh check.sh" }]
"""

# Says when the rollback check's redeploy of the last good version has begun.
MARK_REDEPLOY = '[ "$CAPTAIN_ACTION" = rollback-check ] && touch redeploy-began\n'
# Records which version each check ran against, and what the target ran then.
CHECK = 'echo "$CAPTAIN_VERSION $(cat running/$CAPTAIN_STAGE-$CAPTAIN_TARGET-0)" >> checked\n'


def test_a_kill_during_a_rollback_check_re_runs_the_cut_off_part(
    project: Project, engines: list
) -> None:
    """SPEC §11 with rule R10: the engine dies while the check redeploys the last good
    version; the next engine ends what is left, redeploys the same last good version,
    checks it, rolls forward and checks again, and the version passes."""
    (project.root / "pipeline.toml").write_text(RBCHECK_PIPELINE)
    (project.root / "deploy.sh").write_text(MARK_REDEPLOY + DEPLOY)
    (project.root / "check.sh").write_text(CHECK)
    project.commit("v1", **{"app.txt": "1\n"})
    first = project.captain("run", "--headless", "--until-idle", timeout=120)
    assert first.returncode == 0, first.stderr
    project.commit("v2", **{"app.txt": "2\n"})
    engine = project.start()
    engines.append(engine)
    project.wait_for(
        lambda: (project.root / "redeploy-began").exists(),
        timeout=60,
        what="the rollback check to redeploy v1",
    )
    os.kill(engine.pid, signal.SIGKILL)
    engine.wait()
    done = project.captain("run", "--headless", "--until-idle", timeout=120)
    assert done.returncode == 0, done.stderr
    overlaps = project.root / "overlaps"
    assert not overlaps.exists(), f"deploys ran twice at once: {overlaps.read_text()}"
    (gamma,) = project.status()["stages"]
    assert gamma["passed"] == "v2"
    (target,) = gamma["targets"]
    assert (target["version"], target["state"]) == ("v2", "succeeded")
    assert (project.root / "running" / "gamma-a-0").read_text() == "2\n"
    # the old version was really on the target for the first check, the new one after
    assert (project.root / "checked").read_text() == "v1 1\nv2 2\n"
    history = [
        json.loads(line) for line in project.captain("history", "--json").stdout.splitlines()
    ]
    cut_off = [e["detail"] for e in history if e["kind"] == "step.interrupted"]
    assert any("rollback-safety: redeploy last good" in d for d in cut_off), cut_off
    redeploys = [
        e["detail"]
        for e in history
        if e["kind"] == "step.started" and "redeploy last good" in e["detail"]
    ]
    assert redeploys == [
        "rollback-safety: redeploy last good to v1",
        "rollback-safety: redeploy last good to v1 (attempt 2)",
    ]

"""`captain run` end to end on a real repository with real shell commands (slow)."""

from __future__ import annotations

import os
import signal
from collections import defaultdict
from pathlib import Path

import pytest

from tests.integration.conftest import Project

pytestmark = pytest.mark.slow

PIPELINE = """
[pipeline]
name = "e2e"
max_parallel = 8

[[sources]]
name = "app"
repo = "repo"
poll = "10s"

[build]
checks = ["test ! -f broken"]
run = ["cp app.txt \\"$CAPTAIN_OUT/app.txt\\"", "echo built >> \\"$CAPTAIN_STATE_DIR/builds\\""]
artefacts = ["app.txt"]

[defaults]
deploy = "sh deploy.sh"
timeout = "20s"

[[stages]]
name = "beta"
targets = ["local"]
approvals = [{ name = "check", run = "true" }]

[[stages]]
name = "gamma"
targets = ["us-east-1", "eu-west-1"]

[[stages]]
name = "prod"
waves = [["us-west-2"], ["eu-west-1", "us-east-1"], ["ap-southeast-2", "eu-central-1"]]
onebox = { approvals = [{ name = "smoke", run = "true" }] }
"""

DEPLOY = """
sum=$(sha256sum "$CAPTAIN_ARTEFACTS/app.txt" | cut -d' ' -f1)
where="$CAPTAIN_STAGE/$CAPTAIN_TARGET"
echo "$CAPTAIN_VERSION $where $CAPTAIN_ONEBOX $sum" >> "$CAPTAIN_STATE_DIR/deploys"
"""


def write_project(project: Project, pipeline: str = PIPELINE) -> None:
    (project.root / "pipeline.toml").write_text(pipeline)
    (project.root / "deploy.sh").write_text(DEPLOY)


def stage_of(status: dict, name: str) -> dict:
    return next(s for s in status["stages"] if s["name"] == name)


def test_three_commits_are_built_once_and_deployed_with_identical_bytes(
    project: Project, engines: list
) -> None:
    write_project(project)
    project.commit("first", **{"app.txt": "one\n"})
    engines.append(project.start())
    for n, text in ((2, "two\n"), (3, "three\n")):
        project.wait_for(
            lambda n=n: project.status()["latest_version"] == f"v{n - 1}", what=f"v{n - 1}"
        )
        project.commit(f"change {n}", **{"app.txt": text})
    project.wait_for(
        lambda: stage_of(project.status(), "prod-wave-3")["passed"] == "v3",
        what="v3 in the last wave",
    )
    state = project.root / ".captain"
    assert (state / "builds").read_text().count("built") == 3
    digests: dict[str, set[str]] = defaultdict(set)
    for line in (state / "deploys").read_text().splitlines():
        version, _where, _onebox, digest = line.split()
        digests[version].add(digest)
    assert set(digests) <= {"v1", "v2", "v3"} and "v3" in digests
    assert all(len(found) == 1 for found in digests.values()), digests

    status = project.status()
    # `forecast`: the README's additive field (issue 15), v3's outlook in the last stage.
    assert set(status) == {"pipeline", "engine", "latest_version", "stages", "forecast"}
    assert status["forecast"]["version"] == "v3"
    assert status["engine"]["running"] is True and isinstance(status["engine"]["pid"], int)
    assert status["latest_version"] == "v3"
    gamma = stage_of(status, "gamma")
    assert set(gamma) == {
        "name",
        "promotion",
        "paused",
        "blockers_active",
        "passed",
        "in_flight",
        "waiting",
        "targets",
    }
    assert gamma["promotion"] == "automatic" and gamma["paused"] is False
    assert gamma["passed"] == "v3" and gamma["in_flight"] is None and gamma["waiting"] is None
    target = gamma["targets"][0]
    assert set(target) == {"name", "version", "state", "last_good", "approvals"}
    assert target == {
        "name": "us-east-1",
        "version": "v3",
        "state": "succeeded",
        "last_good": "v2",  # SPEC §2: the newest good version before the one it runs
        "approvals": [],
    }
    beta = stage_of(status, "beta")["targets"][0]
    assert beta["approvals"] == [{"name": "check", "state": "passed"}]


def test_commit_text_is_never_executed(project: Project, engines: list) -> None:
    write_project(project)
    nasty = "$(touch PWNED) `touch PWNED2` \"quoted\" 'single' ; touch PWNED3"
    project.commit(nasty, **{"app.txt": "x\n"})
    done = project.captain("run", "--headless", "--until-idle", timeout=120)
    assert done.returncode == 0, done.stderr
    assert "PWNED" in done.stdout  # the message is shown, as text
    for folder in (project.root, project.repo, Path.cwd(), Path(os.environ["HOME"])):
        assert not list(folder.rglob("PWNED*")), folder


def test_until_idle_builds_a_commit_made_while_it_ran(project: Project) -> None:
    # The first version's beta deploy commits again: a run that ends once idle must
    # not end before it has built and promoted that commit too (it sets up no file
    # watch, and the source's poll is 10 s).
    write_project(project)
    (project.root / "deploy.sh").write_text(
        DEPLOY
        + 'if [ "$CAPTAIN_VERSION" = v1 ] && [ "$CAPTAIN_STAGE" = beta ]; then\n'
        + f'  cd "{project.repo}" && echo two > app.txt && git commit -qam "during the run"\n'
        + "fi\n"
    )
    project.commit("first", **{"app.txt": "one\n"})
    done = project.captain("run", "--headless", "--until-idle", timeout=120)
    assert done.returncode == 0, done.stderr
    assert stage_of(project.status(), "prod-wave-3")["passed"] == "v2"


def test_a_failed_build_enters_no_stage_and_the_previous_version_stays(project: Project) -> None:
    write_project(project)
    project.commit("good", **{"app.txt": "good\n"})
    assert project.captain("run", "--headless", "--until-idle").returncode == 0
    project.commit("broken", **{"broken": "yes\n"})
    done = project.captain("run", "--headless", "--until-idle")
    assert done.returncode == 1  # SPEC §9: a build failed during the run
    assert "build.failed" in done.stdout
    versions = project.captain("versions", "--json")
    import json

    v2 = json.loads(versions.stdout)[0]
    assert (v2["version"], v2["build"], v2["stages"]) == ("v2", "failed", {})
    status = project.status()
    assert {t["version"] for s in status["stages"] for t in s["targets"]} == {"v1"}


def test_a_second_engine_on_the_same_state_dir_exits_3(project: Project, engines: list) -> None:
    write_project(project)
    project.commit("first", **{"app.txt": "one\n"})
    first = project.start()
    engines.append(first)
    project.wait_for(lambda: project.status()["engine"]["running"], what="the first engine")
    second = project.captain("run", "--headless", "--until-idle", timeout=30)
    assert second.returncode == 3
    assert f"pid {first.pid}" in second.stderr and "Traceback" not in second.stderr


def test_a_killed_engine_leaves_a_lock_the_next_one_takes_over(project: Project) -> None:
    write_project(project)
    project.commit("first", **{"app.txt": "one\n"})
    first = project.start()
    project.wait_for(lambda: (project.root / ".captain" / "engine.lock").exists(), what="the lock")
    project.wait_for(lambda: project.status()["engine"]["running"], what="the engine")
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    done = project.captain("run", "--headless", "--until-idle", timeout=120)
    assert done.returncode == 0, done.stderr
    assert stage_of(project.status(), "prod-wave-3")["passed"] == "v1"


def test_a_command_that_times_out_leaves_no_process_behind(project: Project) -> None:
    marker = "captain-timeout-marker-4242"
    pipeline = PIPELINE.replace('timeout = "20s"', 'timeout = "1s"').replace(
        'deploy = "sh deploy.sh"',
        f"deploy = \"sh -c 'sleep 300; echo {marker}' & sleep 300 # {marker}\"",
    )
    write_project(project, pipeline)
    project.commit("first", **{"app.txt": "one\n"})
    done = project.captain("run", "--headless", "--until-idle", timeout=120)
    assert done.returncode == 1, done.stderr  # SPEC §9: v1 was rejected during the run
    assert "timed out" in done.stdout
    assert not processes_mentioning(marker), "a process of the timed-out command is still alive"


def processes_mentioning(text: str) -> list[int]:
    """Pids whose command line contains `text` (read from /proc, no pgrep needed)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if text in cmdline and str(os.getpid()) != entry.name:
                found.append(int(entry.name))
    return found


def test_a_url_source_is_mirrored_and_fetched_every_poll(project: Project, engines: list) -> None:
    pipeline = PIPELINE.replace('repo = "repo"', f'repo = "file://{project.repo}"').replace(
        'poll = "10s"', 'poll = "300ms"'
    )
    write_project(project, pipeline)
    project.commit("first", **{"app.txt": "one\n"})
    engines.append(project.start())
    project.wait_for(lambda: project.status()["latest_version"] == "v1", what="v1")
    assert (project.root / ".captain" / "mirrors" / "app").is_dir()
    project.commit("second", **{"app.txt": "two\n"})
    project.wait_for(
        lambda: project.status()["latest_version"] == "v2", timeout=10, what="v2 by fetching"
    )

"""SPEC §5: steps reach what they need. `CAPTAIN_PIPELINE_DIR` lets a build that runs in
a clean checkout elsewhere reach scripts beside pipeline.toml; `CAPTAIN_CHECKOUT` hands
every step after the build exactly the version's tree (so an approval can run that
commit's own tests), kept while a stage runs or verifies the version and removed after.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.integration.conftest import Project

pytestmark = pytest.mark.slow

PIPELINE = """
[pipeline]
name = "trees"
state_dir = "state"

[[sources]]
name = "app"
repo = "../repo"

[build]
run = ['"$CAPTAIN_PIPELINE_DIR/build.sh"']
artefacts = ["app.txt"]

[defaults]
deploy = '"$CAPTAIN_PIPELINE_DIR/deploy.sh"'

[[stages]]
name = "beta"
targets = ["local"]
approvals = [{ name = "own-tests", run = 'sh "$CAPTAIN_CHECKOUT/check.sh"' }]

[[stages]]
name = "gamma"
targets = ["one", "two"]
approvals = [{ name = "own-tests", run = 'sh "$CAPTAIN_CHECKOUT/check.sh"' }]
"""

BUILD = '#!/bin/sh\ncp app.txt "$CAPTAIN_OUT/"\n'
# Records, per step, which tree it was handed, and what that tree says.
DEPLOY = (
    "#!/bin/sh\n"
    'echo "$CAPTAIN_ACTION $CAPTAIN_STAGE/$CAPTAIN_TARGET $CAPTAIN_VERSION '
    '$(cat "$CAPTAIN_CHECKOUT/app.txt") $CAPTAIN_PIPELINE_DIR" >> "$CAPTAIN_STATE_DIR/../deploys"\n'
)
# The commit's own test: the tree is the version's, and nothing else is in it.
CHECK = 'test "$(cat "$CAPTAIN_CHECKOUT/app.txt")" = "$(cat "$CAPTAIN_ARTEFACTS/app.txt")"\n'


def _write(project: Project) -> Path:
    ops = project.root / "ops"
    ops.mkdir()
    (ops / "pipeline.toml").write_text(PIPELINE)
    for name, text in (("build.sh", BUILD), ("deploy.sh", DEPLOY)):
        (ops / name).write_text(text)
        (ops / name).chmod(0o755)
    return ops


def _run(project: Project, ops: Path) -> str:
    done = project.captain("run", "-c", str(ops / "pipeline.toml"), "--headless", "--until-idle")
    return done.stdout[-2000:] + done.stderr if done.returncode else ""


def test_every_step_gets_the_pipeline_folder_and_the_versions_own_tree(project: Project) -> None:
    ops = _write(project)
    project.commit("first", **{"app.txt": "one\n", "check.sh": CHECK})
    # An uncommitted change in the user's working copy is no part of any version.
    (project.repo / "app.txt").write_text("dirty\n")
    assert not _run(project, ops)

    lines = sorted((ops / "deploys").read_text().splitlines())
    assert lines == [
        f"deploy {where} v1 one {ops}" for where in ("beta/local", "gamma/one", "gamma/two")
    ]
    # Every stage passed the version, so its tree is gone.
    trees = ops / "state" / "worktrees" / "checkouts"
    assert not trees.exists() or os.listdir(trees) == []


def test_a_rollback_is_handed_the_tree_of_the_version_it_redeploys(project: Project) -> None:
    ops = _write(project)
    project.commit("first", **{"app.txt": "one\n", "check.sh": CHECK})
    assert not _run(project, ops)
    # v2's own test fails: gamma rolls it back to v1 on both targets.
    fail = 'test "$CAPTAIN_STAGE" != gamma\n'
    project.commit("second", **{"app.txt": "two\n", "check.sh": fail})
    assert _run(project, ops)  # exit 1: v2 was rejected in gamma

    rollbacks = [
        line for line in (ops / "deploys").read_text().splitlines() if line.startswith("rollback")
    ]
    assert sorted(rollbacks) == [
        f"rollback gamma/{target} v1 one {ops}" for target in ("one", "two")
    ]
    assert os.listdir(ops / "state" / "worktrees" / "checkouts") == []

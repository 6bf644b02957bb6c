"""`[preview] watch` (SPEC §11) with a real engine: a watched branch's preview follows
its pushes and is torn down when the branch is deleted; other branches are left alone."""

from __future__ import annotations

import json
import subprocess

import pytest

from release_captain.testing_git import commit, git
from tests.integration.conftest import Project

pytestmark = pytest.mark.slow

PIPELINE = """
[pipeline]
name = "watch"

[[sources]]
name = "app"
repo = "repo"
poll = "200ms"

[build]
run = ["cp app.txt \\"$CAPTAIN_OUT/app.txt\\""]
artefacts = ["app.txt"]

[defaults]
deploy = "true"

[[stages]]
name = "beta"
targets = ["local"]

[preview]
deploy = "sh preview.sh"
teardown = "sh teardown.sh"
watch = ["feature/*"]
"""

PREVIEW = """
mkdir -p out
cp "$CAPTAIN_ARTEFACTS/app.txt" "out/$CAPTAIN_PREVIEW"
echo "http://127.0.0.1:1/$CAPTAIN_PREVIEW" > "$CAPTAIN_PREVIEW_URL_FILE"
"""

TEARDOWN = 'rm -f "out/$CAPTAIN_PREVIEW"\n'


def listed(project: Project) -> list[dict[str, object]]:
    done = project.captain("preview", "--list", "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_engine_keeps_watched_previews_current_and_tears_down_deleted_branches(
    project: Project, engines: list[subprocess.Popen[str]]
) -> None:
    p = project
    (p.root / "pipeline.toml").write_text(PIPELINE)
    (p.root / "preview.sh").write_text(PREVIEW)
    (p.root / "teardown.sh").write_text(TEARDOWN)
    p.commit("first", **{"app.txt": "main\n"})
    engines.append(p.start())
    served = p.root / "out" / "feature-a"

    git(p.repo, "checkout", "-q", "-b", "feature/A")
    first = commit(p.repo, {"app.txt": "a 1\n"}, "a one")
    git(p.repo, "checkout", "-q", "-b", "other")
    commit(p.repo, {"app.txt": "other\n"}, "not watched")
    p.wait_for(lambda: served.exists() and served.read_text() == "a 1\n", what="the preview")
    assert [(r["branch"], r["commit"], r["state"]) for r in listed(p)] == [
        ("feature/A", first, "deployed")
    ], "only the watched branch gets a preview"

    git(p.repo, "checkout", "-q", "feature/A")
    second = commit(p.repo, {"app.txt": "a 2\n"}, "a two")
    p.wait_for(lambda: served.read_text() == "a 2\n", what="the redeploy on push")
    p.wait_for(lambda: listed(p)[0]["commit"] == second, what="the new head recorded")

    git(p.repo, "checkout", "-q", "main")
    git(p.repo, "branch", "-q", "-D", "feature/A")
    p.wait_for(lambda: not served.exists(), what="the teardown")
    p.wait_for(lambda: listed(p) == [], what="the preview forgotten")
    kinds = [
        json.loads(line)["kind"] for line in p.captain("history", "--json").stdout.splitlines()
    ]
    assert kinds.count("preview.deployed") == 2 and kinds.count("preview.down") == 1
    versions = json.loads(p.captain("versions", "--json").stdout)
    assert [v["version"] for v in versions] == ["v1"], "previews never take a vN"

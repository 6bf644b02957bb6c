"""SPEC §9: `captain run --headless --until-idle` tells a script how the run went — exit
0 when no version failed during it, 1 when one was rejected or a build failed (the last
line says which), 2 with one sentence when a source cannot be read at start."""

from __future__ import annotations

import pytest

from tests.integration.conftest import Project

pytestmark = pytest.mark.slow

PIPELINE = """
[pipeline]
name = "idle"

[[sources]]
name = "app"
repo = "{repo}"

[build]
run = ["test ! -f fail-build"]
artefacts = []

[[stages]]
name = "beta"
targets = ["local"]
deploy = "true"
approvals = [{ name = "check", run = "test ! -f fail-check" }]
"""


def write(project: Project, repo: str = "repo") -> None:
    (project.root / "pipeline.toml").write_text(PIPELINE.replace("{repo}", repo))


def test_a_clean_run_exits_0(project: Project) -> None:
    write(project)
    project.commit("first", **{"app.txt": "1\n"})
    done = project.captain("run", "--headless", "--until-idle")
    assert done.returncode == 0, done.stdout[-1000:] + done.stderr


def test_a_version_rejected_during_the_run_exits_1_and_says_which(project: Project) -> None:
    write(project)
    project.commit("first", **{"app.txt": "1\n"})
    (project.root / "fail-check").write_text("")
    done = project.captain("run", "--headless", "--until-idle")
    assert done.returncode == 1, done.stdout[-1000:] + done.stderr
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith("failed during this run: v1 rejected in beta"), last
    # nothing new fails in the next run: it exits 0
    again = project.captain("run", "--headless", "--until-idle")
    assert again.returncode == 0, again.stdout[-1000:] + again.stderr


def test_a_failed_build_exits_1(project: Project) -> None:
    write(project)
    (project.root / "repo" / "fail-build").write_text("")
    project.commit("first", **{"app.txt": "1\n", "fail-build": ""})
    done = project.captain("run", "--headless", "--until-idle")
    assert done.returncode == 1, done.stdout[-1000:] + done.stderr
    assert "v1's build failed" in done.stdout.strip().splitlines()[-1]


def test_a_source_that_cannot_be_read_exits_2_with_one_sentence(project: Project) -> None:
    write(project, repo="no-such-repo")
    done = project.captain("run", "--headless", "--until-idle")
    assert done.returncode == 2, done.stdout[-1000:] + done.stderr
    assert done.stderr.count("\n") == 1 and "does not exist" in done.stderr, done.stderr

"""Building one version once (rule R2): a clean checkout of exactly its commits, checks
before build commands, artefacts stored by digest, and git text that never runs."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from release_captain.config.model import Build, Pipeline, Source
from release_captain.runtime.artefacts import ArtefactStore
from release_captain.runtime.builder import Builder
from release_captain.runtime.git import GitSource
from release_captain.runtime.shell import ShellRunner
from release_captain.testing_git import commit, init_repo


def make_builder(tmp_path: Path, build: Build, repos: dict[str, Path]) -> Builder:
    sources = tuple(
        Source(name=name, repo=str(path), branch="main", poll=2.0, is_url=False, path=path)
        for name, path in repos.items()
    )
    pipeline = Pipeline(
        name="sample",
        path=tmp_path / "pipeline.toml",
        root=tmp_path,
        state_dir=tmp_path / ".captain",
        sources=sources,
        build=build,
    )
    return Builder(
        pipeline=pipeline,
        runner=ShellRunner(kill_grace=0.2),
        store=ArtefactStore(pipeline.state_dir / "artefacts"),
        sources={s.name: GitSource(s) for s in sources},
        base_env=dict(os.environ),
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return init_repo(tmp_path / "repo")


def test_a_build_stores_what_it_writes_to_captain_out(tmp_path: Path, repo: Path) -> None:
    sha = commit(repo, {"app.py": "print('v1')\n"}, "first")
    (repo / "app.py").write_text("uncommitted\n")  # the working copy is never built
    builder = make_builder(
        tmp_path,
        Build(
            checks=["test -f app.py"],
            run=[
                'mkdir -p "$CAPTAIN_OUT/dist" && cp app.py "$CAPTAIN_OUT/dist/app.py"'
                ' && echo "$CAPTAIN_VERSION $CAPTAIN_COMMIT" > "$CAPTAIN_OUT/stamp.txt"'
            ],
            artefacts=["dist/*.py", "stamp.txt"],
            timeout=10,
        ),
        {"app": repo},
    )
    log = tmp_path / ".captain" / "logs" / "v1" / "build.log"
    outcome = builder.build(version="v1", commits={"app": sha}, log=log)
    assert outcome.ok, outcome.detail
    assert outcome.detail == "built 2 artefacts"
    by_name = {a.name: a for a in outcome.artefacts}
    assert set(by_name) == {"dist/app.py", "stamp.txt"}
    assert by_name["dist/app.py"].sha256 == hashlib.sha256(b"print('v1')\n").hexdigest()
    stored = tmp_path / ".captain" / "artefacts" / by_name["stamp.txt"].sha256 / "stamp.txt"
    assert stored.read_text() == f"v1 {sha}\n"
    assert not (tmp_path / ".captain" / "worktrees" / "v1").exists()
    text = log.read_text()
    assert "$ test -f app.py" in text and "# stored dist/app.py sha256" in text


def test_a_failing_check_stops_before_the_build_commands(tmp_path: Path, repo: Path) -> None:
    sha = commit(repo, {"app.py": "x\n"}, "first")
    marker = tmp_path / "built"
    builder = make_builder(
        tmp_path,
        Build(checks=["true", "exit 1"], run=[f"touch {marker}"], artefacts=[], timeout=10),
        {"app": repo},
    )
    outcome = builder.build(version="v1", commits={"app": sha}, log=tmp_path / "build.log")
    assert not outcome.ok and outcome.artefacts == ()
    assert outcome.detail == "check 'exit 1' exited 1"
    assert not marker.exists()
    assert not (tmp_path / ".captain" / "worktrees" / "v1").exists()


def test_a_missing_artefact_fails_the_build(tmp_path: Path, repo: Path) -> None:
    sha = commit(repo, {"app.py": "x\n"}, "first")
    builder = make_builder(
        tmp_path, Build(run=["true"], artefacts=["*.whl"], timeout=10), {"app": repo}
    )
    outcome = builder.build(version="v1", commits={"app": sha}, log=tmp_path / "build.log")
    assert (outcome.ok, outcome.detail) == (False, "build produced no file matching '*.whl'")


def test_a_build_timeout_is_one_sentence(tmp_path: Path, repo: Path) -> None:
    sha = commit(repo, {"app.py": "x\n"}, "first")
    builder = make_builder(tmp_path, Build(run=["sleep 10"], timeout=0.2), {"app": repo})
    outcome = builder.build(version="v1", commits={"app": sha}, log=tmp_path / "build.log")
    assert outcome.detail == "build command 'sleep 10' timed out after 0.2s"


def test_git_text_is_never_executed(tmp_path: Path, repo: Path) -> None:
    message = "Fix $(touch PWNED) and `touch PWNED2`; touch PWNED3"
    sha = commit(repo, {"app.py": "x\n"}, message, author="Eve $(touch PWNED4) <eve@x>")
    builder = make_builder(
        tmp_path,
        Build(
            run=[
                'printf "%s|%s" "$CAPTAIN_COMMIT_MESSAGE" "$CAPTAIN_COMMIT_AUTHOR"'
                ' > "$CAPTAIN_OUT/message.txt"'
            ],
            artefacts=["message.txt"],
            timeout=10,
        ),
        {"app": repo},
    )
    source = Source(name="app", repo=str(repo), branch="main", poll=2.0, is_url=False, path=repo)
    info = GitSource(source).commit(sha)  # what the loop passes on, as the detector read it
    outcome = builder.build(
        version="v1",
        commits={"app": sha},
        log=tmp_path / "build.log",
        extra_env={"CAPTAIN_COMMIT_MESSAGE": info.message, "CAPTAIN_COMMIT_AUTHOR": info.author},
    )
    assert outcome.ok, outcome.detail
    [artefact] = outcome.artefacts
    stored = tmp_path / ".captain" / "artefacts" / artefact.sha256 / "message.txt"
    assert stored.read_text() == f"{message}|Eve $(touch PWNED4)"
    assert not [p for p in tmp_path.rglob("PWNED*")]
    assert not list(Path.cwd().glob("PWNED*"))


def test_every_source_is_checked_out_beside_the_primary(tmp_path: Path, repo: Path) -> None:
    app = commit(repo, {"app.py": "x\n"}, "app")
    lib_repo = init_repo(tmp_path / "lib")
    lib = commit(lib_repo, {"lib.txt": "library\n"}, "lib")
    builder = make_builder(
        tmp_path,
        Build(
            run=[
                'cp "$CAPTAIN_SOURCE_LIB/lib.txt" "$CAPTAIN_OUT/"'
                ' && test "$PWD" = "$CAPTAIN_SOURCE_APP"'
                ' && test "$CAPTAIN_COMMIT_LIB" = ' + lib
            ],
            artefacts=["lib.txt"],
            timeout=10,
        ),
        {"app": repo, "lib": lib_repo},
    )
    outcome = builder.build(version="v2", commits={"app": app, "lib": lib}, log=tmp_path / "b.log")
    assert outcome.ok, outcome.detail
    assert [a.name for a in outcome.artefacts] == ["lib.txt"]


def test_leftovers_of_a_crashed_build_are_removed_first(tmp_path: Path, repo: Path) -> None:
    sha = commit(repo, {"app.py": "x\n"}, "first")
    leftover = tmp_path / ".captain" / "worktrees" / "v1" / "app"
    leftover.mkdir(parents=True)
    (leftover / "stale").write_text("from a crash")
    os.chmod(leftover, 0o555)  # read-only folders left by a build must not stop the next one
    builder = make_builder(tmp_path, Build(run=["test ! -e stale"], timeout=10), {"app": repo})
    outcome = builder.build(version="v1", commits={"app": sha}, log=tmp_path / "b.log")
    assert outcome.ok, outcome.detail
    assert outcome.detail == "built with no artefacts"


def test_an_unknown_commit_fails_the_build_clearly(tmp_path: Path, repo: Path) -> None:
    commit(repo, {"app.py": "x\n"}, "first")
    builder = make_builder(tmp_path, Build(run=["true"], timeout=10), {"app": repo})
    outcome = builder.build(version="v1", commits={"app": "f" * 40}, log=tmp_path / "b.log")
    assert not outcome.ok
    assert outcome.detail.startswith("source 'app': checking out commit ffffffffffff failed")
    assert "# source 'app'" in (tmp_path / "b.log").read_text()

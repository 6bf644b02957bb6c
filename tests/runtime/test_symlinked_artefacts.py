"""Artefacts are regular files inside the build folder: a symlink in $CAPTAIN_OUT never
pulls a file from elsewhere into the artefact store (issue 12, finding 8)."""

from __future__ import annotations

from pathlib import Path

import pytest

from release_captain.config.model import Build
from release_captain.testing_git import commit, init_repo
from tests.runtime.test_builder import make_builder


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "secret.key"
    path.write_text("top secret\n")
    path.chmod(0o600)
    return path


def _stored_files(tmp_path: Path) -> list[Path]:
    root = tmp_path / ".captain" / "artefacts"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.parametrize(
    ("run", "glob", "name"),
    [
        ('ln -s "{secret}" "$CAPTAIN_OUT/app.key"', "*.key", "app.key"),
        ('ln -s "{folder}" "$CAPTAIN_OUT/dist"', "dist/*.key", "dist/secret.key"),
        ('mkfifo "$CAPTAIN_OUT/app.key"', "*.key", "app.key"),
    ],
    ids=["symlinked-file", "symlinked-folder", "fifo"],
)
def test_a_symlinked_or_special_artefact_fails_the_build(
    tmp_path: Path, secret: Path, run: str, glob: str, name: str
) -> None:
    repo = init_repo(tmp_path / "repo")
    sha = commit(repo, {"app.py": "x\n"}, "first")
    command = run.format(secret=secret, folder=secret.parent)
    builder = make_builder(
        tmp_path, Build(run=[command], artefacts=[glob], timeout=10), {"app": repo}
    )
    outcome = builder.build(version="v1", commits={"app": sha}, log=tmp_path / "build.log")
    assert not outcome.ok
    assert outcome.artefacts == ()
    assert name in outcome.detail
    assert "\n" not in outcome.detail
    assert "must be regular files inside $CAPTAIN_OUT" in outcome.detail
    assert not any(p.read_bytes() == b"top secret\n" for p in _stored_files(tmp_path))


def test_regular_files_beside_a_symlinked_one_still_fail_the_whole_build(
    tmp_path: Path, secret: Path
) -> None:
    repo = init_repo(tmp_path / "repo")
    sha = commit(repo, {"app.py": "x\n"}, "first")
    builder = make_builder(
        tmp_path,
        Build(
            run=[f'echo ok > "$CAPTAIN_OUT/a.txt" && ln -s "{secret}" "$CAPTAIN_OUT/b.txt"'],
            artefacts=["*.txt"],
            timeout=10,
        ),
        {"app": repo},
    )
    outcome = builder.build(version="v1", commits={"app": sha}, log=tmp_path / "build.log")
    assert not outcome.ok and "b.txt" in outcome.detail

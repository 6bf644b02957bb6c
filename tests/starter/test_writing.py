"""What `captain init` writes: a pipeline and executable scripts that `captain validate`
accepts for every kind, the repository's branch, and nothing at all when a file is
already there (unless --force)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from release_captain.cli import app
from release_captain.testing_git import commit, git, init_repo

MARKERS = {
    "python": {"pyproject.toml": '[project]\nname = "tiny"\nversion = "0.1.0"\n'},
    "node": {"package.json": '{"name": "tiny", "version": "0.1.0"}\n'},
    "tarball": {"README": "tiny\n"},
}
WRITTEN = ["pipeline.toml", "deploy/deploy.sh", "deploy/test.sh", "deploy/health.sh"]


def repository(tmp_path: Path, kind: str = "python", branch: str = "trunk") -> Path:
    repo = init_repo(tmp_path / "My Project", branch=branch)
    commit(repo, MARKERS[kind], "first")
    return repo


def captain(folder: Path, monkeypatch: pytest.MonkeyPatch, *args: str):
    monkeypatch.chdir(folder)
    return CliRunner().invoke(app, list(args))


@pytest.mark.parametrize("kind", sorted(MARKERS))
def test_what_init_writes_passes_validate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    repo = repository(tmp_path, kind)
    done = captain(repo, monkeypatch, "init")
    assert done.exit_code == 0, done.output
    for name in WRITTEN:
        assert f"wrote {name}" in done.output
    for script in WRITTEN[1:]:
        assert stat.S_IMODE((repo / script).stat().st_mode) == 0o755
    checked = captain(repo, monkeypatch, "validate")
    assert checked.exit_code == 0, checked.output
    assert "pipeline.toml is valid" in checked.output


def test_the_pipeline_fits_the_kind_and_watches_the_branch_checked_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = repository(tmp_path, "python", branch="trunk")
    captain(repo, monkeypatch, "init")
    text = (repo / "pipeline.toml").read_text()
    assert 'branch = "trunk"' in text
    assert 'name = "my-project"' in text
    assert 'artefacts = ["*.whl"]' in text
    assert "pip install --force-reinstall --no-deps" in (repo / "deploy" / "deploy.sh").read_text()
    assert "{{" not in text


def test_the_tarball_pipeline_builds_with_git_archive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = repository(tmp_path, "tarball")
    done = captain(repo, monkeypatch, "init")
    assert "Found no pyproject.toml or package.json" in done.output
    assert "git archive --format=tar.gz" in (repo / "pipeline.toml").read_text()


def test_init_in_a_subfolder_watches_the_repository_above(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = repository(tmp_path, "tarball")
    (repo / "ops").mkdir()
    captain(repo / "ops", monkeypatch, "init")
    assert 'repo = ".."' in (repo / "ops" / "pipeline.toml").read_text()
    assert captain(repo / "ops", monkeypatch, "validate").exit_code == 0


def test_an_existing_file_refuses_with_exit_3_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = repository(tmp_path)
    (repo / "deploy").mkdir()
    (repo / "deploy" / "test.sh").write_text("mine\n")
    done = captain(repo, monkeypatch, "init")
    assert done.exit_code == 3
    assert "deploy/test.sh already exists: nothing was written" in done.output
    assert not (repo / "pipeline.toml").exists()
    assert sorted(os.listdir(repo / "deploy")) == ["test.sh"]
    assert (repo / "deploy" / "test.sh").read_text() == "mine\n"


def test_force_overwrites(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = repository(tmp_path)
    (repo / "pipeline.toml").write_text("mine\n")
    assert captain(repo, monkeypatch, "init").exit_code == 3
    assert (repo / "pipeline.toml").read_text() == "mine\n"
    done = captain(repo, monkeypatch, "init", "--force")
    assert done.exit_code == 0, done.output
    assert (repo / "pipeline.toml").read_text().startswith("# ─")


def test_the_state_directory_hint_shows_until_git_ignores_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = repository(tmp_path)
    assert "echo '.captain/' >> .gitignore" in captain(repo, monkeypatch, "init").output
    (repo / ".gitignore").write_text(".captain/\n")
    done = captain(repo, monkeypatch, "init", "--force")
    assert ".gitignore" not in done.output
    assert (repo / ".gitignore").read_text() == ".captain/\n"  # init never edits it


def test_outside_a_repository_is_exit_2_in_one_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    done = captain(tmp_path, monkeypatch, "init")
    assert done.exit_code == 2
    assert "runs in a git repository" in done.output
    assert done.output.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_a_repository_without_a_commit_is_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = init_repo(tmp_path / "repo")
    done = captain(repo, monkeypatch, "init")
    assert done.exit_code == 2
    assert "has no commit yet" in done.output
    assert not (repo / "pipeline.toml").exists()


def test_a_detached_head_is_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = repository(tmp_path)
    git(repo, "checkout", "--quiet", "--detach")
    done = captain(repo, monkeypatch, "init")
    assert done.exit_code == 2
    assert "HEAD is detached" in done.output


def test_config_names_the_pipeline_file_and_its_folder_gets_the_scripts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = repository(tmp_path, "tarball")
    (repo / "ops").mkdir()
    done = captain(repo, monkeypatch, "init", "-c", "ops/release.toml")
    assert done.exit_code == 0, done.output
    assert "wrote ops/deploy/deploy.sh" in done.output
    assert "captain validate -c ops/release.toml" in done.output
    assert 'repo = ".."' in (repo / "ops" / "release.toml").read_text()
    assert captain(repo, monkeypatch, "validate", "-c", "ops/release.toml").exit_code == 0


def test_comments_after_filled_in_values_keep_their_column(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pipeline teaches through its comments: they stay one aligned column whatever
    the project, branch and folder are called."""
    repo = repository(tmp_path, "python", branch="release/2026")
    captain(repo, monkeypatch, "init")
    lines = (repo / "pipeline.toml").read_text().splitlines()
    settings = [
        line
        for line in lines
        if line.startswith(("name = ", "repo = ", "branch = ", "state_dir = ")) and "#" in line
    ]
    assert len(settings) == 5  # the pipeline's name and state_dir, the source's name, repo, branch
    assert {line.index("  # ") for line in settings} == {33}

"""`captain validate` sees the mistakes it can see without running anything (issue 13,
SPEC §9): a local source that is missing, not a repository or lacks the branch; a
command naming a missing or non-executable file; an artefact pattern leaving the build
folder. Each problem has its key path, all come at once, exit 2. `--expanded` prints
the pipeline as the engine sees it, as TOML."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from release_captain.cli import app
from release_captain.config import load_pipeline
from release_captain.config.checks import check_files, program_words
from release_captain.testing_git import commit, git, init_repo

HEAD = """
[pipeline]
name = "shop"

[[sources]]
name = "app"
repo = "{repo}"
branch = "{branch}"
"""

STAGES = """
[defaults]
deploy = "{deploy}"

[[stages]]
name = "beta"
targets = ["local"]
"""


def _script(path: Path, executable: bool = True) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(0o755 if executable else 0o644)
    return path


def _folder(
    tmp_path: Path,
    *,
    repo: str = "repo",
    branch: str = "main",
    deploy: str = "scripts/deploy.sh",
    extra: str = "",
) -> Path:
    """A pipeline folder: a real repository `repo/` on `main`, an executable
    `scripts/deploy.sh`, and a pipeline.toml using them (plus `extra`)."""
    source = init_repo(tmp_path / "repo")
    commit(source, {"README": "hello\n"}, "first")
    _script(tmp_path / "scripts" / "deploy.sh")
    text = HEAD.format(repo=repo, branch=branch) + extra + STAGES.format(deploy=deploy)
    (tmp_path / "pipeline.toml").write_text(text)
    return tmp_path / "pipeline.toml"


def _validate(path: Path, *more: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["validate", "-c", str(path), *more])
    return result.exit_code, result.stdout, result.stderr


def test_a_sound_folder_passes(tmp_path: Path) -> None:
    code, out, err = _validate(_folder(tmp_path))
    assert (code, err) == (0, ""), err
    assert "is valid" in out


def test_a_missing_source_path_is_named_at_its_key(tmp_path: Path) -> None:
    code, _, err = _validate(_folder(tmp_path, repo="nowhere"))
    assert code == 2
    assert f"sources[0].repo: {tmp_path / 'nowhere'} does not exist" in err


def test_a_folder_that_is_no_repository_is_named(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    code, _, err = _validate(_folder(tmp_path, repo="plain"))
    assert code == 2
    assert f"sources[0].repo: {tmp_path / 'plain'} is not a git repository" in err


def test_a_misspelt_branch_gets_a_hint(tmp_path: Path) -> None:
    code, _, err = _validate(_folder(tmp_path, branch="mian"))
    assert code == 2
    assert (
        f"sources[0].branch: no branch 'mian' in {tmp_path / 'repo'}; did you mean 'main'?" in err
    )


def test_a_missing_deploy_script_is_named_at_defaults(tmp_path: Path) -> None:
    code, _, err = _validate(_folder(tmp_path, deploy="scripts/deploi.sh"))
    assert code == 2
    assert "defaults.deploy: scripts/deploi.sh does not exist" in err


def test_a_deploy_script_that_is_not_executable_is_named(tmp_path: Path) -> None:
    path = _folder(tmp_path)
    _script(tmp_path / "scripts" / "deploy.sh", executable=False)
    code, _, err = _validate(path)
    assert code == 2
    assert "defaults.deploy: scripts/deploy.sh is not executable" in err


def test_a_script_run_through_a_shell_need_not_be_executable(tmp_path: Path) -> None:
    path = _folder(tmp_path, deploy="sh scripts/deploy.sh")
    _script(tmp_path / "scripts" / "deploy.sh", executable=False)
    code, _, err = _validate(path)
    assert (code, err) == (0, "")


def test_an_interpreters_missing_script_is_named(tmp_path: Path) -> None:
    extra = """
[monitors.errors]
run = "python3 -u tools/errors.py --target {target}"
"""
    path = _folder(tmp_path, deploy="bash ./scripts/deploy.sh", extra=extra)
    (tmp_path / "pipeline.toml").write_text(
        path.read_text().replace(
            'targets = ["local"]', 'targets = ["local"]\nblock_on_alarm = ["errors"]'
        )
    )
    code, _, err = _validate(path)
    assert code == 2
    assert "monitors.errors.run: tools/errors.py does not exist" in err
    assert "defaults.deploy" not in err


def test_stage_and_approval_commands_are_checked_where_written(tmp_path: Path) -> None:
    path = _folder(tmp_path)
    text = path.read_text() + (
        'deploy = "/opt/nowhere/deploy"\n'
        'approvals = [{ name = "it", run = "./scripts/it.sh --fast" }]\n'
        'onebox = { approvals = [{ name = "smoke", run = "scripts/deploy.sh smoke" }] }\n'
    )
    path.write_text(text)
    code, _, err = _validate(path)
    assert code == 2
    assert "stages[0].deploy: /opt/nowhere/deploy does not exist" in err
    assert "stages[0].approvals[0].run: ./scripts/it.sh does not exist" in err
    assert "onebox" not in err


def test_build_commands_are_checked_in_the_primary_sources_branch(tmp_path: Path) -> None:
    extra = """
[build]
checks = ["tools/check.sh", "sh tools/lint.sh"]
run = ["tools/build.sh", "$CAPTAIN_PIPELINE_DIR/scripts/b.sh", "../elsewhere/x.sh"]
"""
    path = _folder(tmp_path, extra=extra)
    source = tmp_path / "repo"
    _script(source / "tools" / "check.sh", executable=False)
    _script(source / "tools" / "lint.sh", executable=False)
    commit(source, {}, "empty")
    git(source, "add", "tools/check.sh", "tools/lint.sh")
    git(source, "commit", "--quiet", "-m", "tools")
    # Present in the working tree only: the build's clean checkout will not have it.
    _script(source / "tools" / "build.sh")
    code, _, err = _validate(path)
    assert code == 2
    lines = err.splitlines()
    assert any(
        line.startswith(
            "captain: build.checks[0]: tools/check.sh is not executable on branch 'main'"
        )
        for line in lines
    ), err
    assert "build.checks[1]" not in err
    assert "build.run[0]: tools/build.sh is not committed on branch 'main'" in err
    assert "build.run[1]" not in err and "build.run[2]" not in err


@pytest.mark.parametrize("pattern", ["/tmp/*.whl", "../*.whl", "dist/../../x", "~/x"])
def test_an_artefact_pattern_leaving_the_build_folder_is_refused(
    tmp_path: Path, pattern: str
) -> None:
    extra = f'\n[build]\nrun = ["true"]\nartefacts = ["*.tar.gz", "{pattern}"]\n'
    code, _, err = _validate(_folder(tmp_path, extra=extra))
    assert code == 2
    assert f"build.artefacts[1]: '{pattern}'" in err
    assert "build.artefacts[0]" not in err


def test_every_problem_comes_at_once(tmp_path: Path) -> None:
    extra = '\n[build]\nartefacts = ["../x"]\n'
    code, _, err = _validate(_folder(tmp_path, branch="mian", deploy="scripts/no.sh", extra=extra))
    assert code == 2
    keys = [line.split(":")[1].strip() for line in err.splitlines()]
    assert keys == ["sources[0].branch", "build.artefacts[0]", "defaults.deploy"], err


def test_the_checks_stay_out_of_load_pipeline(tmp_path: Path) -> None:
    path = _folder(tmp_path, repo="nowhere", deploy="scripts/no.sh")
    pipeline = load_pipeline(path)  # the engine's way in: no disk checks, no raise
    assert len(check_files(pipeline)) == 2


@pytest.mark.parametrize(
    ("command", "found"),
    [
        ("scripts/deploy.sh --now", ("scripts/deploy.sh", True)),
        ("FOO=1 ./x", ("./x", True)),
        ("sh -e scripts/x.sh", ("scripts/x.sh", False)),
        ("python x.py", ("x.py", False)),
        ("/usr/bin/python3.11 -W ignore t.py", ("t.py", False)),
        ("python -m pytest", None),
        ("bash -c 'scripts/x.sh'", None),
        ("deploy.sh", None),
        ("$HOME/x.sh", None),
        ("{vars.tool}/x", None),
        ("pip install 'a b", None),
    ],
)
def test_the_word_naming_a_file(command: str, found: tuple[str, bool] | None) -> None:
    assert program_words(command) == found


WAVES = """
[defaults]
deploy = "scripts/deploy.sh"
timeout = "2m"

[[stages]]
name = "prod"
vars = {{ tier = "gold" }}
waves = [["a"], [{{ name = "b", vars = {{ port = 8080 }} }}, "c"]]
"""


def test_expanded_prints_the_pipeline_as_the_engine_sees_it(tmp_path: Path) -> None:
    path = _folder(tmp_path)
    text = HEAD.format(repo="repo", branch="main") + WAVES.format()
    path.write_text(text)
    code, out, err = _validate(path, "--expanded")
    assert (code, err) == (0, "")
    doc = tomllib.loads(out)
    stages = doc["stages"]
    assert [s["name"] for s in stages] == ["prod-wave-1", "prod-wave-2"]
    assert [s["wave"] for s in stages] == [1, 2] and stages[1]["group"] == "prod"
    assert all(s["deploy"] == "scripts/deploy.sh" and s["timeout"] == 120.0 for s in stages)
    assert stages[1]["targets"] == [
        {"name": "b", "vars": {"port": "8080", "tier": "gold"}},
        {"name": "c", "vars": {"tier": "gold"}},
    ]
    assert doc["sources"][0]["path"] == str(tmp_path / "repo")
    assert doc["pipeline"]["state_dir"] == str(tmp_path / ".captain")


def test_expanded_refuses_what_validate_refuses(tmp_path: Path) -> None:
    code, out, _ = _validate(_folder(tmp_path, repo="nowhere"), "--expanded")
    assert code == 2 and out == ""


def test_no_state_is_made(tmp_path: Path) -> None:
    _validate(_folder(tmp_path))
    assert not (tmp_path / ".captain").exists()

"""Every broken pipeline under `cases/` fails with the problem its `# expect:` lines name.

One file per error (as harlequin does): adding a check means adding a file whose first
lines say which problem it must produce. A case produces exactly as many problems as it
has `# expect:` lines, so a stray second problem shows up as a failure too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from release_captain.config import load_pipeline
from release_captain.errors import ConfigError

CASES = sorted((Path(__file__).parent / "cases").glob("*.toml"))


def _expected(case: Path) -> list[str]:
    lines = case.read_text(encoding="utf-8").splitlines()
    return [
        line.removeprefix("# expect:").strip() for line in lines if line.startswith("# expect:")
    ]


def _load_error(path: Path, tmp_path: Path) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_pipeline(path, state_dir=tmp_path / "state")
    return caught.value


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 60  # issue 12 asks for at least 60


@pytest.mark.parametrize("case", CASES, ids=[case.stem for case in CASES])
def test_case_reports_its_problem(case: Path, tmp_path: Path) -> None:
    expected = _expected(case)
    assert expected, f"{case.name} has no '# expect:' line"
    error = _load_error(case, tmp_path)
    problems = error.problems
    for text in expected:
        assert any(text in problem for problem in problems), (text, problems)
    # Several `# expect:` lines may describe one problem; never more problems than lines.
    assert 1 <= len(problems) <= len(expected), problems
    assert all("\n" not in problem for problem in problems)
    assert "\n" not in str(error)
    assert error.exit_code == 2


def test_several_problems_are_all_reported(tmp_path: Path) -> None:
    path = tmp_path / "pipeline.toml"
    path.write_text(
        """
[pipeline]
name = "Bad Name"
max_parallel = 0

[[sources]]
name = "app"
repo = "https://example.com/app.git"
poll = "soon"

[[stages]]
name = "beta"
targets = ["local"]
deploy = "deploy.sh"
timeout = "10 minutes"
approvals = [
  { name = "bake", bake = "10m", monitors = ["healt"], intervl = "5s" },
  { name = "check", run = "check.sh", wait = "1m" },
]

[[stages]]
name = "gamma"
targets = []

[monitors.health]
http = "http://{host}/health"
""",
        encoding="utf-8",
    )
    error = _load_error(path, tmp_path)
    assert error.problems == (
        "pipeline.name: \"Bad Name\" is not a valid name (use lowercase letters, digits, '.', "
        "'_' and '-', starting with a letter or digit)",
        "pipeline.max_parallel: must be at least 1, got 0",
        "sources[0].poll: 'soon' is not a duration "
        '(use e.g. "500ms", "30s", "10m", "2h", "1d" or a number of seconds)',
        "stages[0].timeout: '10 minutes' is not a duration "
        '(use e.g. "500ms", "30s", "10m", "2h", "1d" or a number of seconds)',
        "stages[0].approvals[0].intervl: unknown key; did you mean 'interval'?",
        "stages[0].approvals[1]: give exactly one of run, bake, wait or manual "
        "(found run and wait)",
        "stages[1].targets: a stage has at least one target",
        "stages[1].deploy: required (set it here or under [defaults])",
        "monitors.health.http: unknown placeholder {host} (use {stage}, {target}, {version}, "
        "{onebox} or {vars.NAME}; write {{ and }} for braces)",
        "stages[0].approvals[0].monitors[0]: monitor 'healt' is not defined under [monitors]; "
        "did you mean 'health'?",
    )
    assert str(error) == f"pipeline.toml has 10 problems: {error.problems[0]}; and 9 more"


def test_one_problem_is_the_message(tmp_path: Path) -> None:
    error = _load_error(Path(__file__).parent / "cases" / "no_sources.toml", tmp_path)
    assert str(error) == error.problems[0]


def test_missing_file(tmp_path: Path) -> None:
    error = _load_error(tmp_path / "pipeline.toml", tmp_path)
    assert str(error) == f"pipeline.toml not found at {tmp_path.resolve() / 'pipeline.toml'}"
    assert error.problems == (str(error),)


def test_folder_instead_of_file(tmp_path: Path) -> None:
    (tmp_path / "pipeline.toml").mkdir()
    error = _load_error(tmp_path / "pipeline.toml", tmp_path)
    assert str(error) == f"{tmp_path.resolve() / 'pipeline.toml'} is a folder, not a pipeline file"


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "pipeline.toml"
    path.write_bytes(b'[pipeline]\nname = "\xff"\n')
    error = _load_error(path, tmp_path)
    assert "is not UTF-8 text" in str(error)


def test_syntax_error_is_one_problem_with_its_position(tmp_path: Path) -> None:
    path = tmp_path / "pipeline.toml"
    path.write_text('[pipeline]\nname = "x"\n[[stages]\n', encoding="utf-8")
    error = _load_error(path, tmp_path)
    assert len(error.problems) == 1
    assert str(error).startswith("pipeline.toml line 3, column ")

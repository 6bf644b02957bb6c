"""Every broken pipeline file exits 2 from `validate` and from `run`, with its key path
or line in one clear sentence per problem and no traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from release_captain.cli import app

CASES = sorted((Path(__file__).parent.parent / "config" / "cases").glob("*.toml"))


def expectations(path: Path) -> list[str]:
    return [
        line.split(":", 1)[1].strip()
        for line in path.read_text().splitlines()
        if line.startswith("# expect:")
    ]


def test_there_are_at_least_fifteen_distinct_broken_files() -> None:
    assert len(CASES) >= 15


@pytest.mark.parametrize("command", ["validate", "run"])
@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_a_broken_file_exits_2_with_its_key_path(case: Path, command: str, tmp_path: Path) -> None:
    shutil.copytree(case.parent, tmp_path, dirs_exist_ok=True)
    target = tmp_path / case.name
    args = [command, "-c", str(target)] + (
        ["--headless", "--until-idle"] if command == "run" else []
    )
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    err = result.stderr
    assert "Traceback" not in err
    for expected in expectations(case):
        assert expected in err, (expected, err)
    assert not (tmp_path / ".captain").exists(), "a broken file must not create state"


def test_a_missing_file_exits_2_with_one_sentence(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["validate", "-c", str(tmp_path / "nope.toml")])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "not found" in result.stderr

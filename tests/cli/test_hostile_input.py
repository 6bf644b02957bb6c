"""What a hostile or careless user types gets one sentence and exit 2, never "internal
error" (issue 12): absurd numbers for every numeric option, and pipeline files that are
empty, a folder, not UTF-8, nested thousands deep, or start with a byte order mark."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from release_captain.cli import app

PIPELINE = """
[pipeline]
name = "hostile"

[[sources]]
name = "app"
repo = "https://example.com/app.git"

[defaults]
deploy = "true"

[[stages]]
name = "beta"
targets = ["local"]
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "pipeline.toml"
    path.write_text(PIPELINE, encoding="utf-8")
    return path


def _invoke(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def _one_sentence_exit_2(result: Any, *words: str) -> None:
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert "internal error" not in result.output
    assert "Traceback" not in result.output
    for word in words:
        assert word in result.stderr, (word, result.stderr)


@pytest.mark.parametrize("command", ["history", "versions"])
@pytest.mark.parametrize("limit", ["999999999999999999999", "9223372036854775808"])
def test_an_absurd_limit_is_a_usage_error(command: str, limit: str, config: Path) -> None:
    # Before: SQLite refused the integer and the command ended in 'internal error', exit 1.
    result = _invoke(command, "--limit", limit, "-c", str(config))
    _one_sentence_exit_2(result, "--limit", limit)


@pytest.mark.parametrize("value", ["nan", "inf", "1e999", "99999999999"])
def test_an_absurd_rollback_timeout_is_a_usage_error(value: str, config: Path) -> None:
    # nan passed `min=1` (every comparison with nan is false) and waited for ever.
    result = _invoke("rollback", "beta", "--timeout", value, "-c", str(config))
    _one_sentence_exit_2(result, "--timeout")


@pytest.mark.parametrize("value", ["nan", "inf", "0.000001"])
def test_an_absurd_demo_speed_is_a_usage_error(value: str, config: Path) -> None:
    result = _invoke("demo", "--headless", "--speed", value, "-c", str(config))
    _one_sentence_exit_2(result, "--speed")


#: What typer calls the types of integer and float parameters (`int range` with bounds).
_NUMERIC = {"int", "integer", "float"}


def _numeric_options() -> list[tuple[str, Any, Any]]:
    """Every (command name, command, option) whose option takes an integer or a float."""
    group: Any = typer.main.get_command(app)
    return [
        (name, command, param)
        for name, command in sorted(group.commands.items())
        for param in command.params
        if param.param_type_name == "option" and param.type.name.split()[0] in _NUMERIC
    ]


def _dummy_arguments(command: Any) -> list[str]:
    words = []
    for param in command.params:
        if param.param_type_name == "argument":
            choices = getattr(param.type, "choices", None)
            words.append(str(next(iter(choices))) if choices else "beta")
    return words


@pytest.mark.parametrize(
    ("name", "command", "option"),
    _numeric_options(),
    ids=[f"{name}-{option.name}" for name, _, option in _numeric_options()],
)
@pytest.mark.parametrize("value", ["9" * 30, "-" + "9" * 30, "nan"])
def test_every_numeric_option_refuses_absurd_values(
    name: str, command: Any, option: Any, value: str, config: Path
) -> None:
    """Any integer or float option of any command, now or added later, has bounds."""
    flag = max(option.opts, key=len)
    args = [name, *_dummy_arguments(command), f"{flag}={value}", "-c", str(config)]
    result = _invoke(*args)
    _one_sentence_exit_2(result, flag)


def test_there_are_numeric_options_to_check() -> None:
    names = {(name, option.name) for name, _, option in _numeric_options()}
    assert {("history", "limit"), ("versions", "limit"), ("rollback", "timeout")} <= names


def test_an_empty_file_is_one_sentence(tmp_path: Path) -> None:
    path = tmp_path / "pipeline.toml"
    path.write_bytes(b"")
    result = _invoke("validate", "-c", str(path))
    _one_sentence_exit_2(result, "pipeline.toml", "is empty")
    assert result.stderr.count("\n") == 1


def test_a_folder_is_one_sentence(tmp_path: Path) -> None:
    (tmp_path / "pipeline.toml").mkdir()
    result = _invoke("validate", "-c", str(tmp_path / "pipeline.toml"))
    _one_sentence_exit_2(result, "pipeline.toml", "is a directory")


def test_bytes_that_are_not_utf8_are_one_sentence(tmp_path: Path) -> None:
    path = tmp_path / "pipeline.toml"
    path.write_bytes(PIPELINE.encode().replace(b'"hostile"', b'"hos\xfftile"'))
    result = _invoke("validate", "-c", str(path))
    _one_sentence_exit_2(result, "pipeline.toml", "is not UTF-8 text")
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize("opening", ["[" * 3000, "{ a = " * 3000], ids=["arrays", "tables"])
def test_deep_nesting_is_one_sentence(opening: str, tmp_path: Path) -> None:
    path = tmp_path / "pipeline.toml"
    path.write_text(f"{PIPELINE}\n[build]\nchecks = {opening}\n", encoding="utf-8")
    result = _invoke("validate", "-c", str(path))
    _one_sentence_exit_2(result, "pipeline.toml", "nested too deeply")
    assert result.stderr.count("\n") == 1


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "pipeline.toml"
    path.write_bytes(b"\xef\xbb\xbf" + PIPELINE.encode())
    result = _invoke("validate", "-c", str(path))
    assert result.exit_code == 0, result.output
    assert "pipeline.toml is valid" in result.stdout


@pytest.mark.parametrize(
    ("timeout", "accepted"),
    [('"30d"', True), ('"365d"', True), ('"366d"', False), ("1e300", False)],
)
def test_durations_are_at_most_a_year(timeout: str, accepted: bool, tmp_path: Path) -> None:
    path = tmp_path / "pipeline.toml"
    path.write_text(f"{PIPELINE}timeout = {timeout}\n", encoding="utf-8")
    result = _invoke("validate", "-c", str(path))
    if accepted:
        assert result.exit_code == 0, result.output
    else:
        _one_sentence_exit_2(result, "stages[0].timeout:", "is more than 365 days")

"""The key-path reader: paths, value descriptions, hints and unknown keys."""

from __future__ import annotations

import pytest

from release_captain.config.reader import Problems, Table, close_hint, describe, key_path
from release_captain.config.shape import PIPELINE, STAGE
from release_captain.errors import ConfigError


def test_key_paths_quote_what_toml_would_quote() -> None:
    assert key_path("", "pipeline") == "pipeline"
    assert key_path("monitors", "health") == "monitors.health"
    assert key_path("monitors", "error rate") == 'monitors."error rate"'
    assert key_path("blockers", "office.hours") == 'blockers."office.hours"'


@pytest.mark.parametrize(
    ("value", "shown"),
    [("x", '"x"'), (3, "3"), (1.5, "1.5"), (True, "true"), ([1], "a list"), ({}, "a table")],
)
def test_describe(value: object, shown: str) -> None:
    assert describe(value) == shown


def test_close_hint() -> None:
    assert close_hint("duraton", ["duration", "name"]) == "; did you mean 'duration'?"
    assert close_hint("zzz", ["duration", "name"]) == ""


def test_unknown_keys_are_the_keys_the_shape_does_not_declare() -> None:
    problems = Problems()
    table = Table({"name": "a", "timout": "1s", "zzz": 1}, "stages[0]", problems, STAGE)
    table.finish()
    assert problems.items == (
        "stages[0].timout: unknown key; did you mean 'timeout'?",
        "stages[0].zzz: unknown key",
    )


def test_wrong_types_fall_back_to_the_default() -> None:
    problems = Problems()
    stage = Table({"rollback": 1, "timeout": "0s"}, "stages[0]", problems, STAGE)
    pipeline = Table({"max_parallel": "x"}, "pipeline", problems, PIPELINE)
    assert pipeline.int_("max_parallel", 16) == 16
    assert stage.bool_("rollback", True) is True
    assert stage.duration("timeout", 300.0) == 300.0
    assert problems.items == (
        'pipeline.max_parallel: expected an integer, got "x"',
        "stages[0].rollback: expected true or false, got 1",
        'stages[0].timeout: must be more than zero, got "0s"',
    )


def test_bounds_come_from_the_shape() -> None:
    problems = Problems()
    pipeline = Table({"max_parallel": 1001}, "pipeline", problems, PIPELINE)
    assert pipeline.int_("max_parallel", 16) == 16
    assert problems.items == ("pipeline.max_parallel: must be at most 1000, got 1001",)


def test_reading_a_key_the_shape_does_not_declare_is_a_mistake_in_the_code() -> None:
    table = Table({}, "pipeline", Problems(), PIPELINE)
    with pytest.raises(KeyError):
        table.raw("maxparallel")
    with pytest.raises(TypeError):
        table.duration("max_parallel", 1.0)


def test_the_same_problem_is_kept_once_and_raised_as_one_error() -> None:
    problems = Problems()
    problems.add("a", "first")
    problems.add("a", "first")
    problems.add("b", "second\nline")
    with pytest.raises(ConfigError) as caught:
        problems.raise_if_any("pipeline.toml")
    assert caught.value.problems == ("a: first", "b: second line")
    assert str(caught.value) == "pipeline.toml has 2 problems: a: first; and 1 more"

"""The JSON Schema of pipeline.toml (SPEC §9, `captain schema`): a valid draft 2020-12
schema that accepts every valid pipeline of the project and refuses every file
`validate` refuses for its shape, because both come from `config.shape`."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from release_captain.config import parse_pipeline
from release_captain.config.reader import index_path, key_path
from release_captain.config.schema import json_schema
from release_captain.config.shape import (
    APPROVAL,
    BLOCKER,
    BUILD,
    DEFAULTS,
    FILE,
    MONITOR,
    ONEBOX,
    PIPELINE,
    SOURCE,
    STAGE,
    TARGET,
    Choice,
    Duration,
    Flag,
    Integer,
    Shape,
    Value,
)
from release_captain.errors import ConfigError

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
CASES = sorted((HERE / "cases").glob("*.toml"))
VALIDATOR = Draft202012Validator(json_schema())


def _read(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8-sig"))


def _problems(data: dict[str, Any]) -> tuple[str, ...]:
    try:
        parse_pipeline(data, path=Path("/nowhere/pipeline.toml"))
    except ConfigError as error:
        return error.problems
    return ()


def _inline_pipelines() -> list[str]:
    """Every pipeline written as a string literal in the tests."""
    found = []
    for file in sorted((ROOT / "tests").rglob("*.py")):
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            text = node.value if isinstance(node, ast.Constant) else None
            if isinstance(text, str) and "[pipeline]" in text and "stages" in text:
                found.append(text)
    return found


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    schema = json_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"]


@pytest.mark.parametrize(
    "path", [ROOT / "pipeline.toml", HERE / "full_pipeline.toml"], ids=lambda p: p.name
)
def test_the_projects_pipelines_validate(path: Path) -> None:
    data = _read(path)
    assert _problems(data) == ()
    assert list(VALIDATOR.iter_errors(data)) == []


def test_every_valid_pipeline_the_tests_use_validates() -> None:
    valid = 0
    for text in _inline_pipelines():
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            continue  # a template filled in by its test
        if _problems(data):
            continue  # a test of a problem
        valid += 1
        assert list(VALIDATOR.iter_errors(data)) == [], text
    assert valid >= 10


def _shape_problem(problem: str) -> bool:
    """Whether `validate` refuses for the file's shape: a key it does not know or a
    value of the wrong type (its problems say `expected ...`)."""
    return "unknown key" in problem or ": expected " in problem


def _parsed_cases() -> list[tuple[Path, dict[str, Any]]]:
    cases = []
    for case in CASES:
        try:
            cases.append((case, _read(case)))
        except (tomllib.TOMLDecodeError, ValueError, RecursionError):
            continue  # not TOML at all: no schema is asked
    return cases


SHAPE_CASES = [
    (case, data) for case, data in _parsed_cases() if any(map(_shape_problem, _problems(data)))
]


def test_a_fair_share_of_the_cases_are_about_shape() -> None:
    assert len(SHAPE_CASES) >= 50


@pytest.mark.parametrize(("case", "data"), SHAPE_CASES, ids=[c.stem for c, _ in SHAPE_CASES])
def test_a_file_validate_refuses_for_its_shape_fails_the_schema(
    case: Path, data: dict[str, Any]
) -> None:
    assert not VALIDATOR.is_valid(data), case.name


def test_an_unknown_key_fails_the_schema_and_validate() -> None:
    data = _read(HERE / "full_pipeline.toml")
    data["stages"][0]["timout"] = "5m"
    assert "stages[0].timout: unknown key; did you mean 'timeout'?" in _problems(data)
    errors = list(VALIDATOR.iter_errors(data))
    assert errors and all("timout" in error.message for error in errors)


def test_a_wrong_type_fails_the_schema_and_validate() -> None:
    data = _read(HERE / "full_pipeline.toml")
    data["pipeline"]["max_parallel"] = "4"
    assert _problems(data) == ('pipeline.max_parallel: expected an integer, got "4"',)
    assert [list(e.path) for e in VALIDATOR.iter_errors(data)] == [["pipeline", "max_parallel"]]


#: Where full_pipeline.toml has a table of each shape; a key of one kind (a bake's
#: `interval`) is tried in a table of that kind.
_PLACES: dict[str, tuple[tuple[str | int, ...], ...]] = {
    FILE.id: ((),),
    PIPELINE.id: (("pipeline",),),
    SOURCE.id: (("sources", 0),),
    BUILD.id: (("build",),),
    DEFAULTS.id: (("defaults",),),
    STAGE.id: (("stages", 1), ("stages", 2)),
    TARGET.id: (("stages", 1, "targets", 0),),
    ONEBOX.id: (("stages", 2, "onebox"),),
    APPROVAL.id: tuple(("stages", 1, "approvals", i) for i in range(3))
    + (("stages", 0, "approvals", 1),),
    MONITOR.id: (("monitors", "health"), ("monitors", "errors")),
    BLOCKER.id: (("blockers", "holidays"),),
}
SHAPES = (
    FILE,
    PIPELINE,
    SOURCE,
    BUILD,
    DEFAULTS,
    STAGE,
    TARGET,
    ONEBOX,
    APPROVAL,
    MONITOR,
    BLOCKER,
)
KEYS = [(shape, key.name, key.value) for shape in SHAPES for key in shape.keys]


def _wrong(value: Value) -> object:
    """A value of another type than `value` declares."""
    if isinstance(value, Integer | Flag | Choice):
        return ["x"]
    if isinstance(value, Duration):
        return [1]
    return 5


def _place(data: dict[str, Any], shape: Shape, key: str) -> tuple[Any, str]:
    """A table of `shape` in `data` where `key` is allowed, and its key path."""
    for place in _PLACES[shape.id]:
        table: Any = data
        path = ""
        for step in place:
            table = table[step]
            path = index_path(path, step) if isinstance(step, int) else key_path(path, step)
        kind = next((v.key for v in shape.variants if v.key in table), None)
        if key in shape.valid_keys(kind) and (kind is None or key not in _other_kinds(shape, kind)):
            return table, path
    raise AssertionError(f"no place for {shape.id}.{key}")


def _other_kinds(shape: Shape, kind: str) -> set[str]:
    return {v.key for v in shape.variants if v.key != kind}


@pytest.mark.parametrize(("shape", "key", "value"), KEYS, ids=[f"{s.id}.{k}" for s, k, _ in KEYS])
def test_every_declared_key_is_read_with_its_type_and_in_the_schema(
    shape: Shape, key: str, value: Value
) -> None:
    """A wrong value at any key the shape declares is refused by both: the reader
    reads every declared key, as the type it is declared with."""
    data = _read(HERE / "full_pipeline.toml")
    table, path = _place(data, shape, key)
    table[key] = _wrong(value)
    where = key_path(path, key)
    assert any(p.startswith(where) for p in _problems(data)), (where, _problems(data))
    assert not VALIDATOR.is_valid(data)

"""Whatever a pipeline file holds, loading it ends in a `Pipeline` or one `ConfigError`.

Every value of the valid example is in turn removed or replaced by a value of the wrong
kind; the loader must never crash with anything else, and every problem stays one line.
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from release_captain.config import parse_pipeline
from release_captain.errors import ConfigError

_REMOVE = object()
PIPELINE = (Path(__file__).parent / "full_pipeline.toml").read_text(encoding="utf-8")
REPLACEMENTS = [_REMOVE, -1, "Bad Name", [1], {"a": {}}]


def _leaves(value: object, path: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    if path:
        yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, (*path, index))


def test_no_mutation_crashes_the_loader(tmp_path: Path) -> None:
    base = tomllib.loads(PIPELINE)
    for path in _leaves(base):
        for replacement in REPLACEMENTS:
            data = copy.deepcopy(base)
            parent = data
            for key in path[:-1]:
                parent = parent[key]  # type: ignore[index]
            if replacement is _REMOVE:
                del parent[path[-1]]  # type: ignore[arg-type]
            else:
                parent[path[-1]] = replacement  # type: ignore[index]
            try:
                parse_pipeline(data, path=tmp_path / "pipeline.toml")
            except ConfigError as error:
                assert error.problems, path
                assert all("\n" not in problem for problem in error.problems), path
                assert "\n" not in str(error)
            except Exception as error:  # the point is to catch anything
                pytest.fail(f"{path} = {replacement!r} crashed the loader: {error!r}")

"""Provides the problem collector and the key-path-tracking reader of raw TOML tables.

`captain validate` must report every problem of a pipeline file at once, each starting
with the key path a person can find in the file (`stages[2].approvals[0].timeout`). So
instead of raising on the first bad value, every getter here records a problem and hands
back a fallback, and parsing carries on. A `Table` knows the shape of its table
(`config.shape`): a key the shape does not declare is unknown, and each getter takes
its bounds from the key's declaration, so the reader and `captain schema` agree.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import math
import re
from collections.abc import Iterable, Mapping
from typing import Literal, TypeVar

from msgspec import Struct

from release_captain.config.durations import parse_duration
from release_captain.config.shape import (
    NAME_PATTERN,
    SECTIONS,
    Choice,
    Duration,
    Flag,
    Integer,
    ListOf,
    Name,
    Named,
    Shape,
    Sub,
    Text,
    Value,
    Variables,
)
from release_captain.errors import ConfigError

D = TypeVar("D")
C = TypeVar("C", bound=str)
V = TypeVar("V", bound=Value)

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


class Problems:
    """Every problem found in one pipeline file, each one line starting with its key path."""

    def __init__(self) -> None:
        self._items: list[str] = []

    def add(self, path: str, message: str) -> None:
        """Record `path: message`; an identical problem found twice is kept once."""
        line = " ".join(f"{path}: {message}".split()) if path else " ".join(message.split())
        if line not in self._items:
            self._items.append(line)

    @property
    def items(self) -> tuple[str, ...]:
        return tuple(self._items)

    def __bool__(self) -> bool:
        return bool(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def raise_if_any(self, file_name: str) -> None:
        """Raise one `ConfigError` carrying every problem, with a one-line summary."""
        if not self._items:
            return
        first, count = self._items[0], len(self._items)
        if count == 1:
            message = first
        else:
            more = "1 more" if count == 2 else f"{count - 1} more"
            message = f"{file_name} has {count} problems: {first}; and {more}"
        raise ConfigError(message, self.items)


def key_path(parent: str, key: str) -> str:
    """The path of `key` inside the table at `parent`, quoting keys TOML would quote."""
    shown = key if _BARE_KEY.fullmatch(key) else json.dumps(key)
    return f"{parent}.{shown}" if parent else shown


def index_path(parent: str, index: int) -> str:
    """The path of item `index` of the array at `parent`."""
    return f"{parent}[{index}]"


def describe(value: object) -> str:
    """A value as the user wrote it in TOML, short enough for a one-line problem."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
        return text if len(text) <= 60 else text[:56] + '…"'
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return type(value).__name__


def close_hint(word: str, candidates: Iterable[str]) -> str:
    """`; did you mean 'x'?` when a candidate is close to `word`, else nothing."""
    matches = difflib.get_close_matches(word, sorted(set(candidates)), n=1)
    return f"; did you mean '{matches[0]}'?" if matches else ""


_NOT_ENV = re.compile(r"[^A-Z0-9_]")


def env_name(name: str) -> str:
    """A name as an environment variable suffix: `eu-west.1` -> `EU_WEST_1`."""
    return _NOT_ENV.sub("_", name.upper())


def name_problem(value: str) -> str | None:
    """Why `value` is not a valid name, or None when it is one."""
    if NAME_PATTERN.fullmatch(value):
        return None
    return (
        f"{describe(value)} is not a valid name (use lowercase letters, digits, '.', '_' "
        "and '-', starting with a letter or digit)"
    )


class Reference(Struct, frozen=True, kw_only=True):
    """A monitor or blocker named at `path`, checked once every definition is known."""

    kind: Literal["monitor", "blocker"]
    path: str
    name: str


class Table:
    """One TOML table with its key path and shape, recording problems into a shared
    collector.

    Getters take a `default` returned when the key is absent *or* its value is wrong (the
    problem is recorded); pass `None` to learn whether the key was set at all. A table
    without a shape (variables, `[monitors]`) has keys of the user's choosing.
    """

    def __init__(
        self, data: Mapping[str, object], path: str, problems: Problems, shape: Shape | None
    ) -> None:
        self.data = data
        self.path = path
        self.problems = problems
        self.shape = shape

    def __contains__(self, key: str) -> bool:
        self._declared(key)
        return key in self.data

    def _declared(self, key: str, *kinds: type) -> Value:
        """The declaration of `key` in this table's shape, which must be of one of
        `kinds` when they are given.

        Raising here means the code reads a key the shape does not declare, or reads it
        as another type: a mistake any test that reads the key finds, never the user's.
        """
        if self.shape is None:
            raise KeyError(f"{self.path} has no shape to declare {key!r}")
        value = self.shape.value(key)
        if kinds and not isinstance(value, kinds):
            raise TypeError(f"{self.shape.id}.{key} is declared as {value!r}, not {kinds}")
        return value

    def _declared_as(self, key: str, kind: type[V]) -> V:
        value = self._declared(key, kind)
        assert isinstance(value, kind)
        return value

    def path_of(self, key: str) -> str:
        return key_path(self.path, key)

    def problem(self, key: str | None, message: str) -> None:
        """Record a problem at `key` of this table, or at the table itself for None."""
        self.problems.add(self.path if key is None else self.path_of(key), message)

    def raw(self, key: str) -> object | None:
        """The value as parsed by tomllib, or None when absent."""
        self._declared(key)
        return self.data.get(key)

    def _wrong(self, key: str, expected: str, value: object) -> None:
        self.problem(key, f"expected {expected}, got {describe(value)}")

    def str_(self, key: str, default: D, *, required: bool = False) -> str | D:
        """A non-empty string."""
        self._declared(key, Text, Name)
        value = self.raw(key)
        if value is None:
            if required:
                self.problem(key, "required")
            return default
        if not isinstance(value, str):
            self._wrong(key, "a string", value)
            return default
        if not value.strip():
            self.problem(key, "must not be empty")
            return default
        return value

    def name(self, key: str = "name") -> str | None:
        """A required name matching `NAME_PATTERN`; an invalid one is still returned so
        later checks (duplicates, references) can mention it."""
        value = self.str_(key, None, required=True)
        if value is not None and (problem := name_problem(value)):
            self.problem(key, problem)
        return value

    def int_(self, key: str, default: D) -> int | D:
        """An integer within the bounds its key declares."""
        bounds = self._declared_as(key, Integer)
        value = self.raw(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self._wrong(key, "an integer", value)
            return default
        if value < bounds.minimum:
            self.problem(key, f"must be at least {bounds.minimum}, got {value}")
            return default
        if value > bounds.maximum:
            self.problem(key, f"must be at most {bounds.maximum}, got {value}")
            return default
        return value

    def bool_(self, key: str, default: D) -> bool | D:
        self._declared(key, Flag)
        value = self.raw(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            self._wrong(key, "true or false", value)
            return default
        return value

    def duration(self, key: str, default: D) -> float | D:
        """A duration in seconds; one its key declares positive refuses zero (timeouts,
        intervals)."""
        positive = self._declared_as(key, Duration).positive
        value = self.raw(key)
        if value is None:
            return default
        try:
            seconds = parse_duration(value)
        except ValueError as error:
            self.problem(key, str(error))
            return default
        if positive and seconds == 0:
            self.problem(key, f"must be more than zero, got {describe(value)}")
            return default
        return seconds

    def choice(self, key: str, allowed: tuple[C, ...], default: D) -> C | D:
        """One of the `allowed` strings (typed as the `Literal` they come from), which
        must be the options its key declares."""
        if self._declared_as(key, Choice).options != allowed:
            raise ValueError(f"{key} is declared with other options than {allowed}")
        value = self.raw(key)
        if value is None:
            return default
        for option in allowed:
            if isinstance(value, str) and value == option:
                return option
        options = ", ".join(f'"{a}"' for a in allowed[:-1]) + f' or "{allowed[-1]}"'
        self._wrong(key, options, value)
        return default

    def list_of_str(self, key: str, default: D) -> tuple[str, ...] | D:
        """A list of strings (a lone string is refused: lists are always written as lists)."""
        if not isinstance(self._declared_as(key, ListOf).item, Text | Name):
            raise TypeError(f"{key} is not declared as a list of strings")
        value = self.raw(key)
        if value is None:
            return default
        if not isinstance(value, list):
            self._wrong(key, "a list of strings", value)
            return default
        bad = False
        for i, item in enumerate(value):
            if not isinstance(item, str):
                problem = f"expected a string, got {describe(item)}"
            elif not item.strip():
                problem = "must not be empty"
            else:
                continue
            self.problems.add(index_path(self.path_of(key), i), problem)
            bad = True
        return default if bad else tuple(value)

    def table(self, key: str, *, expected: str = "a table") -> Table | None:
        """The sub-table at `key`, or None when absent or not a table."""
        declared = self._declared(key, Sub, Named, Variables)
        value = self.raw(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            self._wrong(key, expected, value)
            return None
        shape = declared.shape if isinstance(declared, Sub) else None
        return Table(value, self.path_of(key), self.problems, shape)

    def list_(self, key: str) -> list[object] | None:
        """The array at `key`, or None when absent or not an array."""
        self._declared(key, ListOf)
        value = self.raw(key)
        if value is None:
            return None
        if not isinstance(value, list):
            self._wrong(key, "a list", value)
            return None
        return value

    def tables(self, key: str, *, expected: str) -> list[Table] | None:
        """The array of tables at `key` (`[[key]]` or a list of inline tables), or None
        when absent or not an array; items that are not tables are reported and skipped.
        `expected` tells the user what to write instead, e.g. 'an array of tables
        ([[stages]])'.
        """
        item = self._declared_as(key, ListOf).item
        if not isinstance(item, Sub):
            raise TypeError(f"{key} is not declared as an array of tables")
        value = self.raw(key)
        if value is None:
            return None
        if not isinstance(value, list):
            self._wrong(key, expected, value)
            return None
        found = []
        for i, entry in enumerate(value):
            path = index_path(self.path_of(key), i)
            if isinstance(entry, dict):
                found.append(Table(entry, path, self.problems, item.shape))
            else:
                self.problems.add(path, f"expected a table, got {describe(entry)}")
        return found

    def finish(
        self, misplaced: Mapping[str, str] | None = None, *, kind: str | None = None
    ) -> None:
        """Report every key the shape does not declare as unknown, with a did-you-mean
        hint; for a table of one `kind`, the keys only other kinds allow too.

        `misplaced` maps keys that are valid elsewhere to an explanation, which is more
        useful than a spelling hint ('name belongs on each [[stages]] entry').
        """
        if self.shape is None:
            return
        valid = self.shape.valid_keys(kind)
        for key in self.data:
            if key in valid:
                continue
            owner = self.shape.owner(key)
            if misplaced and key in misplaced:
                self.problem(key, f"unknown key; {misplaced[key]}")
            elif owner is not None:
                self.problem(key, f"unknown key; {key} is only for {owner} {self.shape.noun}")
            elif self.path and key in SECTIONS:
                # `build = [...]` written below `[[sources]]` lands in that table.
                self.problem(
                    key,
                    f"unknown key; {key} is a top-level key, but written after a [table] "
                    "header it belongs to that table: move it above the first header",
                )
            else:
                self.problem(key, "unknown key" + close_hint(key, valid))

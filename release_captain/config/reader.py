"""Provides the problem collector and the key-path-tracking reader of raw TOML tables.

`captain validate` must report every problem of a pipeline file at once, each starting
with the key path a person can find in the file (`stages[2].approvals[0].timeout`). So
instead of raising on the first bad value, every getter here records a problem and hands
back a fallback, and parsing carries on. A `Table` also remembers every key it was asked
about, which is how unknown keys are found without keeping a second list of valid keys.
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
from release_captain.errors import ConfigError

D = TypeVar("D")
C = TypeVar("C", bound=str)

#: Stage, target, monitor, blocker, source and approval names.
NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]*")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
#: The top-level keys of pipeline.toml.
SECTIONS = ("pipeline", "sources", "build", "defaults", "stages", "monitors", "blockers")


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
    """One TOML table with its key path, recording problems into a shared collector.

    Getters take a `default` returned when the key is absent *or* its value is wrong (the
    problem is recorded); pass `None` to learn whether the key was set at all.
    """

    def __init__(self, data: Mapping[str, object], path: str, problems: Problems) -> None:
        self.data = data
        self.path = path
        self.problems = problems
        self._asked: set[str] = set()

    def __contains__(self, key: str) -> bool:
        self._asked.add(key)
        return key in self.data

    def path_of(self, key: str) -> str:
        return key_path(self.path, key)

    def problem(self, key: str | None, message: str) -> None:
        """Record a problem at `key` of this table, or at the table itself for None."""
        self.problems.add(self.path if key is None else self.path_of(key), message)

    def known(self, *keys: str) -> None:
        """Mark keys as valid here without reading them (e.g. after a fatal problem)."""
        self._asked.update(keys)

    def raw(self, key: str) -> object | None:
        """The value as parsed by tomllib, or None when absent."""
        self._asked.add(key)
        return self.data.get(key)

    def _wrong(self, key: str, expected: str, value: object) -> None:
        self.problem(key, f"expected {expected}, got {describe(value)}")

    def str_(self, key: str, default: D, *, required: bool = False) -> str | D:
        """A non-empty string."""
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

    def int_(
        self, key: str, default: D, *, minimum: int | None = None, maximum: int | None = None
    ) -> int | D:
        value = self.raw(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self._wrong(key, "an integer", value)
            return default
        if minimum is not None and value < minimum:
            self.problem(key, f"must be at least {minimum}, got {value}")
            return default
        if maximum is not None and value > maximum:
            self.problem(key, f"must be at most {maximum}, got {value}")
            return default
        return value

    def bool_(self, key: str, default: D) -> bool | D:
        value = self.raw(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            self._wrong(key, "true or false", value)
            return default
        return value

    def duration(self, key: str, default: D, *, positive: bool = False) -> float | D:
        """A duration in seconds; `positive` rejects zero (timeouts, intervals)."""
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
        """One of the `allowed` strings (typed as the `Literal` they come from)."""
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

    def table(self, key: str, *, shape: str = "a table") -> Table | None:
        """The sub-table at `key`, or None when absent or not a table."""
        value = self.raw(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            self._wrong(key, shape, value)
            return None
        return Table(value, self.path_of(key), self.problems)

    def list_(self, key: str) -> list[object] | None:
        """The array at `key`, or None when absent or not an array."""
        value = self.raw(key)
        if value is None:
            return None
        if not isinstance(value, list):
            self._wrong(key, "a list", value)
            return None
        return value

    def tables(self, key: str, *, shape: str) -> list[Table] | None:
        """The array of tables at `key` (`[[key]]` or a list of inline tables), or None
        when absent or not an array; items that are not tables are reported and skipped.
        `shape` tells the user what to write instead, e.g. 'an array of tables ([[stages]])'.
        """
        value = self.raw(key)
        if value is None:
            return None
        if not isinstance(value, list):
            self._wrong(key, shape, value)
            return None
        found = []
        for i, item in enumerate(value):
            path = index_path(self.path_of(key), i)
            if isinstance(item, dict):
                found.append(Table(item, path, self.problems))
            else:
                self.problems.add(path, f"expected a table, got {describe(item)}")
        return found

    def finish(self, misplaced: Mapping[str, str] | None = None) -> None:
        """Report every key nobody asked about as unknown, with a did-you-mean hint.

        `misplaced` maps keys that are valid elsewhere to an explanation, which is more
        useful than a spelling hint ('interval is only for bake approvals').
        """
        for key in self.data:
            if key in self._asked:
                continue
            if misplaced and key in misplaced:
                self.problem(key, f"unknown key; {misplaced[key]}")
            elif self.path and key in SECTIONS:
                # `build = [...]` written below `[[sources]]` lands in that table.
                self.problem(
                    key,
                    f"unknown key; {key} is a top-level key, but written after a [table] "
                    "header it belongs to that table: move it above the first header",
                )
            else:
                self.problem(key, "unknown key" + close_hint(key, self._asked))

"""Provides `load_pipeline`: the file on disk becomes a `Pipeline` or one `ConfigError`.

Everything that can go wrong before there is a TOML document (a missing file, a folder,
an unreadable or non-UTF-8 file, a TOML syntax error, nesting too deep for tomllib, an
empty document) is a single problem phrased as one sentence, because nothing past it can
be checked. A UTF-8 byte order mark at the start is accepted and ignored.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from release_captain.config.model import Pipeline
from release_captain.config.parse import parse_pipeline
from release_captain.errors import ConfigError

# tomllib (3.11-3.13) only puts the position in the message: "… (at line 3, column 5)".
_POSITION = re.compile(r"(?P<message>.*) \(at line (?P<line>\d+), column (?P<column>\d+)\)")
_AT_END = re.compile(r"(?P<message>.*) \(at end of document\)")
_BOM = "\ufeff"
# Python refuses to read an integer of more than 4300 digits (a guard against slow
# conversions); tomllib lets that ValueError through without a position.
_LONG_NUMBER = re.compile(r"[0-9_]{4000,}")


def _read_text(file: Path) -> str:
    try:
        raw = file.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{file.name} not found at {file}") from None
    except IsADirectoryError:
        raise ConfigError(f"{file} is a folder, not a pipeline file") from None
    except PermissionError:
        raise ConfigError(f"{file.name} at {file} cannot be read: permission denied") from None
    except OSError as error:
        reason = error.strerror or str(error)
        raise ConfigError(f"{file.name} at {file} cannot be read: {reason}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError(
            f"{file.name} at {file} is not UTF-8 text (bad byte at offset {error.start})"
        ) from None
    # Editors on Windows may start a UTF-8 file with a byte order mark; TOML has no use
    # for it and tomllib would refuse the first line, so it is read as if absent.
    return text.removeprefix(_BOM)


def syntax_problem(file_name: str, error: tomllib.TOMLDecodeError) -> str:
    """A TOML syntax error as `pipeline.toml line 12, column 5: <tomllib's message>`."""
    text = " ".join(str(error).split())
    if match := _POSITION.fullmatch(text):
        return f"{file_name} line {match['line']}, column {match['column']}: {match['message']}"
    if match := _AT_END.fullmatch(text):
        return f"{file_name} at the end of the file: {match['message']}"
    return f"{file_name}: {text}"


def load_pipeline(path: Path, *, state_dir: Path | None = None) -> Pipeline:
    """Read and validate the pipeline file at `path`.

    `state_dir`, when given, replaces `[pipeline].state_dir` (relative to the current
    folder, as a command-line option would be). Raises `ConfigError` with every problem.
    """
    file = Path(path).expanduser().resolve()
    text = _read_text(file)
    data = _parse_toml(file, text)
    if not data:
        raise ConfigError(
            f"{file.name} at {file} is empty: a pipeline needs at least [pipeline], "
            "[[sources]] and [[stages]]"
        )
    return parse_pipeline(data, path=file, state_dir=state_dir)


def _parse_toml(file: Path, text: str) -> dict[str, object]:
    """The TOML document in `text`, or one `ConfigError` saying why it cannot be read."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(syntax_problem(file.name, error)) from None
    except RecursionError:
        # tomllib reads nested arrays and inline tables recursively: a few hundred
        # levels exhaust Python's stack, far beyond anything a pipeline needs.
        raise ConfigError(
            f"{file.name}: arrays or tables are nested too deeply to read "
            "(a pipeline needs at most a few levels)"
        ) from None
    except ValueError as error:
        if match := _LONG_NUMBER.search(text):
            line = text.count("\n", 0, match.start()) + 1
            raise ConfigError(
                f"{file.name} line {line}: a number with thousands of digits is too long to read"
            ) from None
        raise ConfigError(f"{file.name}: {' '.join(str(error).split())}") from None

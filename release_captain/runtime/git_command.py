"""Provides running the `git` command for a source: an environment without the variables
that pin git to one repository (inherited from a hook they would aim our commands at the
user's index), a timeout, and errors that name what was being done without leaking a
URL's password or token."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from release_captain.errors import CaptainError


class SourceError(CaptainError):
    """A source cannot be read, fetched or checked out."""

    exit_code = 1


#: Variables that point git at one particular repository (what `git rev-parse
#: --local-env-vars` lists). Inherited from a hook they would aim our commands at the
#: user's repository and index, so they are dropped.
_LOCAL_GIT_VARS = frozenset(
    {
        "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_CONFIG",
        "GIT_CONFIG_PARAMETERS",
        "GIT_CONFIG_COUNT",
        "GIT_OBJECT_DIRECTORY",
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_IMPLICIT_WORK_TREE",
        "GIT_GRAFT_FILE",
        "GIT_INDEX_FILE",
        "GIT_NO_REPLACE_OBJECTS",
        "GIT_REPLACE_REF_BASE",
        "GIT_PREFIX",
        "GIT_INTERNAL_SUPER_PREFIX",
        "GIT_SHALLOW_FILE",
        "GIT_COMMON_DIR",
    }
)


def run_git(
    args: Sequence[str],
    *,
    doing: str,
    timeout: float,
    check: bool = True,
    error: Callable[[str], CaptainError],
) -> bytes:
    """Run `git ARGS`; its standard output, or `error(sentence)` raised when it fails."""
    try:
        done = subprocess.run(
            ["git", *args],
            env=_git_env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            check=False,
            umask=0o077,  # mirrors and checkouts live in the state directory: owner only
        )
    except subprocess.TimeoutExpired:
        raise error(f"{doing} took longer than {timeout:g}s") from None
    except OSError as problem:
        raise error(f"{doing} failed: {problem.strerror or problem}") from None
    if check and done.returncode != 0:
        lines = text_of(done.stderr).strip().splitlines()
        reason = _redact_text(lines[-1]) if lines else f"git exited {done.returncode}"
        raise error(f"{doing} failed: {reason}")
    return done.stdout


def is_git_dir(path: Path) -> bool:
    return (path / "HEAD").is_file() and (path / "objects").is_dir()


def _git_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _LOCAL_GIT_VARS}
    env["GIT_TERMINAL_PROMPT"] = "0"  # never wait for a password nobody will type
    return env


def text_of(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def redact(url: str) -> str:
    """A URL without its password or token, for messages."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if not parts.password and not (parts.username and parts.scheme in ("http", "https")):
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, f"***@{host}", parts.path, parts.query, parts.fragment))


def _redact_text(text: str) -> str:
    return re.sub(r"(https?://)[^/@\s]+@", r"\1***@", text)

"""Provides the one exception family of the captain, each carrying its exit code.

The CLI prints an error's message as one sentence on stderr and exits with its code
(SPEC §6): 1 the operation ran and failed, 2 usage or configuration, 3 a conflict with
the recorded state, 4 timed out waiting.
"""

from __future__ import annotations


class CaptainError(Exception):
    """An error a user can act on; `str(error)` is the one sentence shown to them."""

    exit_code: int = 1


class OperationFailed(CaptainError):
    """The operation ran and failed (a rollback deploy failed)."""

    exit_code = 1


class ConfigError(CaptainError):
    """A usage or configuration error; `problems` lists every problem found at once."""

    exit_code = 2

    def __init__(self, message: str, problems: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems or (message,)


class UsageError(CaptainError):
    """A command was called with words that do not fit."""

    exit_code = 2


class StateConflict(CaptainError):
    """The request conflicts with the recorded state: unknown version, nothing to roll
    back to, another engine holds the state directory."""

    exit_code = 3


class WaitTimeout(CaptainError):
    """Waiting for an outcome took longer than allowed."""

    exit_code = 4

"""Provides what every command shares: the `--config` and `--json` options, the pipeline
file they name, and the error contract — every `CaptainError` becomes one sentence on
stderr and its exit code (SPEC §6)."""

from __future__ import annotations

import functools
import math
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from release_captain.errors import CaptainError, ConfigError

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="The pipeline file [default: $CAPTAIN_CONFIG or ./pipeline.toml].",
        show_default=False,
        dir_okay=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
NotifyOption = Annotated[
    bool,
    typer.Option(
        "--notify",
        help=(
            "In the TUI, ring the bell and send a desktop notification (OSC 9) when something "
            "starts waiting for a person or a target fails."
        ),
    ),
]
#: The largest `--limit` (SQLite takes at most a 64-bit integer; nobody reads a billion).
MAX_LIMIT = 1_000_000_000
#: The longest a command waits for something (`rollback --timeout`): 365 days, the
#: longest duration pipeline.toml accepts.
MAX_WAIT_SECONDS = 365 * 86400


def finite(value: float | None) -> float | None:
    """An option callback refusing nan and inf, which pass typer's `min=`/`max=` checks
    (every comparison with nan is false)."""
    if value is not None and not math.isfinite(value):
        raise typer.BadParameter(f"must be a number, not {value}")
    return value


F = TypeVar("F", bound=Callable[..., Any])


def config_path(given: Path | None) -> Path:
    """The pipeline file: `--config`, else `$CAPTAIN_CONFIG`, else `./pipeline.toml`."""
    if given is not None:
        return given
    return Path(os.environ.get("CAPTAIN_CONFIG") or "pipeline.toml")


def fail(message: str, code: int) -> typer.Exit:
    """Print one sentence on stderr and return the Exit to raise."""
    typer.echo(f"captain: {message}", err=True)
    return typer.Exit(code)


def stdout_closed() -> bool:
    """Whether stdout is a pipe nobody reads any more (`captain history | head -1`)."""
    import select

    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return False  # not a file (CliRunner): a broken pipe came from elsewhere
    if not hasattr(select, "poll"):
        return True  # Windows: the Python docs' recipe, which assumes stdout
    poller = select.poll()
    poller.register(fd, select.POLLOUT)
    return any(events & select.POLLERR for _, events in poller.poll(0))


def quiet_exit() -> typer.Exit:
    """The Python docs' recipe for a reader that went away: stdout is pointed at
    devnull (so the flush at exit cannot fail again) and the command exits 0, quietly."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return typer.Exit(0)


def friendly(func: F) -> F:
    """Turn a command's CaptainError into its sentence and exit code, never a traceback;
    a closed stdout (piped into `head`) ends it quietly with exit 0."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            result = func(*args, **kwargs)
            sys.stdout.flush()  # a closed pipe shows here, not at exit
            return result
        except (typer.Exit, typer.Abort, typer.BadParameter):
            raise
        except BrokenPipeError as error:
            if stdout_closed():
                raise quiet_exit() from None
            raise fail(f"{error.strerror or error}", 1) from None
        except SystemExit as done:
            # Rich's Console meets a closed stdout so: devnull onto stdout, then exit 1.
            if isinstance(done.__context__, BrokenPipeError):
                raise quiet_exit() from None
            raise
        except ConfigError as error:
            for problem in error.problems:
                typer.echo(f"captain: {problem}", err=True)
            raise typer.Exit(error.exit_code) from None
        except CaptainError as error:
            raise fail(str(error), error.exit_code) from None
        except KeyboardInterrupt:
            raise fail("interrupted", 130) from None
        except OSError as error:
            where = f" ({error.filename})" if error.filename else ""
            raise fail(f"{error.strerror or error}{where}", 1) from None
        except Exception as error:
            if os.environ.get("CAPTAIN_DEBUG"):
                raise
            raise fail(
                f"internal error: {error!r}; set CAPTAIN_DEBUG=1 to see where, and please "
                f"report it",
                1,
            ) from None

    return wrapper  # type: ignore[return-value]

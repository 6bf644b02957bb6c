"""Provides the typer application, the shared `--config` option and the error contract:
every `CaptainError` becomes one sentence on stderr and its exit code (SPEC §6)."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from release_captain.errors import CaptainError, ConfigError

_SETTINGS: dict[str, Any] = {
    "name": "captain",
    "help": (
        "A release captain for one machine: builds each new commit once, promotes it "
        "through the stages of pipeline.toml, bakes, holds at gates and rolls back."
    ),
    "no_args_is_help": True,
    "add_completion": False,
    "pretty_exceptions_enable": False,
    "rich_markup_mode": None,
    "context_settings": {"help_option_names": ["-h", "--help"]},
}

app = typer.Typer(**_SETTINGS)

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


def friendly(func: F) -> F:
    """Turn a command's CaptainError into its sentence and exit code, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (typer.Exit, typer.Abort, typer.BadParameter):
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


def app_for(argv: list[str]) -> typer.Typer:
    """The application to parse `argv` with: for a known command, one holding only that
    command, else the whole one (for `--help`, a typo, no command at all).

    typer turns every registered function into a click command on each start, reading
    its signature and type hints: ~1.5 ms a command, 25 ms in all, paid by every
    `captain status` and `captain run`. Parsing with the one command asked for gives
    the same options, help and errors at a fraction of that.
    """
    name = argv[0] if argv else ""
    chosen = [
        info
        for info in app.registered_commands
        if info.callback is not None
        and (info.name or typer.main.get_command_name(info.callback.__name__)) == name
    ]
    if not chosen:
        return app
    one = typer.Typer(**_SETTINGS)
    # A callback keeps it a group, so `captain run …` still names its command.
    one.callback()(_group)
    one.registered_commands = chosen
    return one


def _show_version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("release-captain")
        except PackageNotFoundError:  # run from a source tree that was never installed
            number = "unknown"
        typer.echo(f"captain {number}")
        raise typer.Exit()


def _group(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Print the captain's version and exit.",
            callback=_show_version,
            is_eager=True,
        ),
    ] = False,
) -> None:
    """A release captain for one machine."""


app.callback()(_group)


def main() -> None:
    """The console script: run the app, exit with its code."""
    try:
        app_for(sys.argv[1:])()
    except BrokenPipeError:
        sys.stderr.close()
        sys.exit(0)


# The commands register themselves on `app` when imported.
from release_captain.cli import running, inspect, acting, tui  # noqa: E402,F401,I001

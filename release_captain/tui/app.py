"""Provides `CaptainApp` and `make_app`, the one factory the CLI and the tests build
it with: the board over a `Captain`, refreshed from the store by a worker, optionally
with the engine running in a thread of the same process."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.worker import Worker, WorkerCancelled, WorkerFailed, get_current_worker

from release_captain.errors import CaptainError
from release_captain.service import Captain
from release_captain.tui import alerts, keymap
from release_captain.tui.commands import CaptainCommands
from release_captain.tui.dialogs.help import HelpDialog, Sections
from release_captain.tui.dialogs.version import VersionDialog, version_lines
from release_captain.tui.engine_here import EngineHere
from release_captain.tui.helm import Board, Helm
from release_captain.tui.orders import Orders
from release_captain.tui.screens.board import BoardScreen
from release_captain.tui.screens.history import HistoryScreen
from release_captain.tui.screens.incident import IncidentScreen
from release_captain.tui.screens.log import LogScreen
from release_captain.tui.screens.metrics import MetricsScreen
from release_captain.tui.screens.previews import PreviewsScreen
from release_captain.tui.screens.versions import VersionsScreen
from release_captain.tui.theme import THEMES, default_theme
from release_captain.tui.widgets.approval_prompt import ApprovalPrompt, prompt_title
from release_captain.tui.widgets.ticking import TICKS, ShowsTime

if TYPE_CHECKING:
    pass

#: Seconds between two checks for events of an in-process engine.
ENGINE_POLL = 0.2
#: Seconds between two paints of the relative times (ages, time left).
TIME_TICK = 1.0


@runtime_checkable
class ShowsBoard(Protocol):
    """A screen that redraws itself from each new board."""

    def show_board(self, board: Board) -> None:
        """Draw `board`."""


class CaptainApp(Orders, EngineHere, App[None]):
    """The TUI: the board first; versions, history and logs on top of it."""

    CSS_PATH = "app.tcss"
    TITLE = "captain"
    COMMANDS = App.COMMANDS | {CaptainCommands}
    HELP_TITLE = "Everywhere"
    MODES: ClassVar[dict[str, Any]] = {"board": BoardScreen}
    DEFAULT_MODE = "board"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Keys", key_display="?"),
        # Both named here: Textual adds its own ctrl+p only when no key opens the palette.
        Binding("colon,ctrl+p", "command_palette", "Commands", show=False),
        Binding("v", "versions", "Versions", show=False),
        Binding("e", "history", "Events", show=False),
        Binding("i", "incident", "Incident", show=False),
        Binding("m", "metrics", "Metrics", show=False),
        Binding("P", "previews", "Previews", show=False),
        Binding("w", "next_waiting", "Next waiting", show=False),
        Binding("escape", "back", "Back", show=False),
        Binding("q", "quit", "Quit"),
        Binding("ctrl+c", "quit", "Quit", show=False),
        # A read-only screen's answer to an order's key: which command does it.
        *(Binding(key, f"refuse('{key}')", "", show=False) for key in keymap.REFUSED),
    ]

    def __init__(
        self,
        captain: Captain,
        *,
        readonly: bool = False,
        engine: Captain | None = None,
        until_idle: bool = False,
        refresh: float = 1.0,
        clock: Callable[[], float] | None = None,
        notify: bool = False,
    ) -> None:
        super().__init__()
        #: Ring the bell and send OSC 9 when something starts waiting or fails.
        self.ring = notify
        #: The door to the service.
        self.helm = Helm(captain, clock=clock)
        #: A wall screen: it shows everything and can change nothing.
        self.readonly = readonly
        #: Seconds between two reads of the store; 0: only when asked (tests).
        self.refresh_every = refresh
        #: The board as last read, or None before the first read.
        self.board: Board | None = None
        #: The engine's own service (its own database connection), when it runs here.
        self.engine = engine
        self.until_idle = until_idle
        #: Set to stop the in-process engine; `engine_done` is set once it stopped.
        self.engine_stop = threading.Event()
        self.engine_done = threading.Event()
        self.engine_started = False
        #: What stopped the in-process engine, if it failed.
        self.engine_error: BaseException | None = None
        self._engine_events = threading.Event()
        self._loader: Worker[None] | None = None
        self._again = False
        self._problem = ""
        for theme in THEMES:
            self.register_theme(theme)
        self.theme = default_theme()

    def on_load(self) -> None:
        """Read the board before the first screen is composed (a few ms), so the board
        is laid out once with its data instead of drawn empty and then again; a
        failed read is left to the worker, which says why and tries again."""
        with suppress(Exception):
            self.board = self.helm.load()

    def on_mount(self) -> None:
        self.set_interval(TIME_TICK, self.tick)
        if self.refresh_every > 0:
            self.set_interval(self.refresh_every, self._tick)
        if self.engine is not None:
            self.engine_started = True
            self.run_engine()
            self.set_interval(ENGINE_POLL, self._engine_tick)
        self.refresh_now()

    # -- reading the store -------------------------------------------------------

    def _tick(self) -> None:
        self.refresh_now()

    def refresh_now(self) -> None:
        """Read the store now in a thread (or again right after the read in progress,
        so a slow read is never cancelled by the next); the screens redraw only what
        changed."""
        if self._loader is not None and not self._loader.is_finished:
            self._again = True
            return
        self._again = False
        self._loader = self._load()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is self._loader and event.worker.is_finished and self._again:
            self.refresh_now()

    async def refreshed(self) -> None:
        """Read the store now and wait until the board is drawn (for tests)."""
        if self._loader is not None and not self._loader.is_finished:
            with suppress(WorkerCancelled, WorkerFailed):
                await self._loader.wait()
        self._again = False
        self._loader = self._load()
        with suppress(WorkerCancelled, WorkerFailed):
            await self._loader.wait()
        await asyncio.sleep(0)

    @work(exclusive=True, group="refresh", thread=True, exit_on_error=False)
    def _load(self) -> None:
        worker = get_current_worker()
        try:
            board = self.helm.load()
        except Exception as error:  # shown, and tried again at the next tick
            self.call_from_thread(self._failed, str(error) or type(error).__name__)
            return
        if not worker.is_cancelled:
            self.call_from_thread(self._show, board)

    def _failed(self, problem: str) -> None:
        if problem != self._problem:
            self._problem = problem
            self.notify(problem, title="cannot read the state", severity="error", timeout=10)

    def _show(self, board: Board) -> None:
        self._problem = ""
        if board == self.board:
            return
        if self.ring:
            for text in alerts.news(self.board, board):
                self.alert(text)
        self.board = board
        for screen in self.screen_stack:
            if isinstance(screen, ShowsBoard) and screen.is_mounted:
                screen.show_board(board)

    def alert(self, text: str) -> None:
        """Ring the terminal's bell and send `text` as a desktop notification."""
        if self._driver is not None:
            self._driver.write(alerts.osc9(text))
            self._driver.flush()

    # -- relative times --------------------------------------------------------------

    def now(self) -> float:
        """The app's clock (a fake one in tests)."""
        return self.helm.clock()

    def tick(self) -> None:
        """Write every relative time on every open screen again from the clock: ages
        are computed at paint, so they move while the state stands still."""
        now = self.now()
        for screen in self.screen_stack:
            if not screen.is_mounted:
                continue
            for node in (screen, *screen.query(f".{TICKS}")):
                if isinstance(node, ShowsTime):
                    node.show_time(now)

    # -- screens -----------------------------------------------------------------

    def _open(self, screen: Screen[Any]) -> None:
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.push_screen(screen)

    async def action_back(self) -> None:  # async, like the App method it overrides
        if len(self.screen_stack) > 1:
            self.pop_screen()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "refuse":
            return self.readonly
        return True

    def action_refuse(self, key: str) -> None:
        """On a read-only screen, say which CLI command does what the key would."""
        self.notify(
            f"this screen is read-only: run `{keymap.REFUSED[key]}` in a terminal",
            title="not done",
            severity="warning",
            timeout=8,
        )

    def action_incident(self) -> None:
        if not isinstance(self.screen, IncidentScreen):
            self._open(IncidentScreen())

    def action_metrics(self) -> None:
        if not isinstance(self.screen, MetricsScreen):
            self._open(MetricsScreen())

    def action_previews(self) -> None:
        if not isinstance(self.screen, PreviewsScreen):
            self._open(PreviewsScreen())

    def action_next_waiting(self) -> None:
        """Focus the next prompt on the board that waits for a person (round the list:
        several prompts in several stages are all reachable, one `w` after another)."""
        self.action_board()
        prompts = list(self.screen.query(ApprovalPrompt))
        if not prompts:
            self.notify("nothing waits for a person")
            return
        focused = self.screen.focused
        at = (prompts.index(focused) + 1 if focused in prompts else 0) % len(prompts)
        prompts[at].focus()
        if len(prompts) > 1:  # say it is a list, and what else is on it
            lines = [
                f"{'▶' if i == at else ' '} {prompt_title(p.prompt)}" for i, p in enumerate(prompts)
            ]
            self.notify(
                "\n".join(lines), title=f"{at + 1} of {len(prompts)} wait for you (w: next)"
            )

    def deliver_screenshot(
        self, filename: str | None = None, path: str | None = None, time_format: str | None = None
    ) -> str | None:
        """Save the screen as SVG in the current folder (Textual's default, the
        Downloads folder, is absent on servers) and say where, or why not."""
        folder = Path(path or ".").resolve()
        try:
            saved = self.save_screenshot(filename, str(folder), time_format)
        except OSError as error:
            self.notify(
                f"cannot save it in {folder}: {error.strerror}",
                title="no screenshot",
                severity="error",
            )
            return None
        self.notify(saved, title="screenshot saved")
        return saved

    def action_board(self) -> None:
        while len(self.screen_stack) > 1:
            self.pop_screen()

    def action_versions(self) -> None:
        if not isinstance(self.screen, VersionsScreen):
            self._open(VersionsScreen())

    def action_history(self) -> None:
        if not isinstance(self.screen, HistoryScreen):
            self._open(HistoryScreen())

    def open_history(self, filter_text: str = "") -> None:
        """The history, narrowed to `filter_text` (a stage's name, say)."""
        self._open(HistoryScreen(filter_text))

    def open_logs(self, stage: str, target: str, version: int) -> None:
        """The steps and logs of `version` on `stage/target`."""
        self._open(LogScreen(stage, target, version))

    @work(group="orders")
    async def open_version(self, number: int) -> None:
        """One version in detail: where it got, stage by stage, and why."""
        board = self.board
        row = board.version_row(number) if board else None
        if row is None:
            return
        try:
            where = await asyncio.to_thread(self.helm.where, row.commit)
        except CaptainError as error:
            self.notify(str(error), severity="error")
            return
        commits = await asyncio.to_thread(self.helm.commits, number)
        title = f"v{number} {row.commit[:8]}"
        await self.push_screen_wait(VersionDialog(title, version_lines(row, where, commits)))

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpDialog):
            self.push_screen(HelpDialog(self.help_sections()))

    def help_sections(self) -> Sections:
        """Every binding, screen by screen (orders left out when read-only)."""
        return keymap.help_sections(self, self.BINDINGS)


def make_app(
    captain: Captain,
    *,
    readonly: bool = False,
    engine: bool = False,
    until_idle: bool = False,
    refresh: float = 1.0,
    clock: Callable[[], float] | None = None,
    notify: bool = False,
) -> CaptainApp:
    """The TUI over `captain`. `engine=True` also runs the engine in a thread, over its
    own connection to the state (as `captain run` in a terminal does); `refresh=0`
    reads the store only when asked (tests call `app.refreshed()`); `notify=True` rings
    the bell (and OSC 9) when something starts waiting for a person or a target fails."""
    runner = Captain(captain.pipeline, clock=captain.clock) if engine else None
    return CaptainApp(
        captain,
        readonly=readonly,
        engine=runner,
        until_idle=until_idle,
        refresh=refresh,
        clock=clock,
        notify=notify,
    )

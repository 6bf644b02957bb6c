"""Provides `MetricsScreen` (`m`): SPEC §10's figures of `captain metrics`, per stage and
for delivery, each stage with a chart of the versions it took a day and the last stage
with a chart of its lead times. The service computes every figure and series
(`service.metrics`); this screen only writes them, so the CLI and the TUI never
disagree. It reads them in a thread when it opens, when the period changes and when
the state changes — not at every tick.

Charts are Textual's own `Sparkline`: `textual-plotext` would draw axes, but it is one
more dependency for a chart one line high, and a sparkline reads in any terminal."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Sparkline, Static
from textual.worker import get_current_worker

from release_captain.errors import CaptainError
from release_captain.service import DEFAULT_SINCE
from release_captain.tui import look
from release_captain.tui.helm import Board
from release_captain.tui.widgets.header import CaptainHeader
from release_captain.wording import span

if TYPE_CHECKING:
    from release_captain.service import DeliveryMetrics, MetricsView, Spread, StageMetrics
    from release_captain.tui.app import CaptainApp

#: The periods `[` and `]` step through, shortest first; the screen opens on the CLI's.
#: None shorter than a week: a chart of one day would be one bar.
PERIODS = ("7d", DEFAULT_SINCE, "90d")
#: What the screen writes for a figure there is nothing to measure for.
NONE = "—"


def _figure(label: str, value: str) -> Content:
    return Content.assemble((label, "$foreground-muted"), " ", (value, "b"))


def _figures(*pairs: tuple[str, str]) -> Content:
    return Content("   ").join(_figure(label, value) for label, value in pairs)


def _span(seconds: float | None) -> str:
    return NONE if seconds is None else span(seconds)


def _spread(label: str, spread: Spread, counted: str) -> Content:
    """`lead time  median 10m   p90 18m   versions 2`; `median —` when none."""
    figures = [("median", _span(spread.median))]
    if spread.median is not None:
        figures += [("p90", _span(spread.p90)), (counted, str(spread.count))]
    return Content.assemble((f"{label:<10}", "b"), _figures(*figures))


class Chart(Horizontal):
    """A label, a sparkline and what its tallest bar stands for, on one line."""

    def __init__(self, label: str) -> None:
        super().__init__(classes="chart")
        self._label = label

    def compose(self) -> ComposeResult:
        yield Static(self._label, classes="label")
        yield Sparkline([], summary_function=max)
        yield Static("", classes="scale")

    def show(self, data: tuple[float, ...], scale: str) -> None:
        self.query_one(Sparkline).data = list(data)
        self.query_one(".scale", Static).update(scale)


class StageCard(Vertical):
    """One stage's figures and the versions it took a day."""

    def __init__(self, stage: str) -> None:
        super().__init__(classes="card")
        self.border_title = stage

    def compose(self) -> ComposeResult:
        yield Static("", classes="figures")
        yield Chart("entered a day")

    def show(self, stage: StageMetrics) -> None:
        rate = stage.change_failure_rate
        self.query_one(".figures", Static).update(
            Content("\n").join(
                [
                    _figures(
                        ("entered", str(stage.deployments)),
                        ("passed", str(stage.passed)),
                        ("rejected", str(stage.rejected)),
                        ("rolled back", str(stage.rolled_back)),
                    ),
                    _figures(
                        ("failure rate", NONE if rate is None else f"{rate:.0%}"),
                        ("in stage", _span(stage.median_time_in_stage_s)),
                        ("person wait", _span(stage.median_waiting_for_person_s)),
                    ),
                ]
            )
        )
        days = stage.deployments_per_day
        self.query_one(Chart).show(tuple(map(float, days)), f"most {max(days, default=0)}")


class DeliveryCard(Vertical):
    """The delivery figures of the last stage and its lead times, version by version."""

    def __init__(self, stage: str) -> None:
        super().__init__(classes="card delivery")
        self.border_title = f"delivery at {stage}"

    def compose(self) -> ComposeResult:
        yield Static("", classes="figures")
        yield Chart("lead times")

    def show(self, delivery: DeliveryMetrics) -> None:
        frequency = delivery.deployment_frequency_per_day
        self.query_one(".figures", Static).update(
            Content("\n").join(
                [
                    _figure("frequency", NONE if frequency is None else f"{frequency:.2f} a day"),
                    _spread("lead time", delivery.lead_time_s, "versions"),
                    _spread("restore", delivery.time_to_restore_s, "targets"),
                ]
            )
        )
        times = delivery.lead_times_s
        self.query_one(Chart).show(times, f"most {_span(max(times, default=None))}")


class MetricsScreen(Screen[None]):
    """The figures of `captain metrics` over a period, with a chart per stage."""

    CSS_PATH = "metrics.tcss"
    HELP_TITLE = "Metrics"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide"), (180, "-widest")]
    BINDINGS = [
        Binding("left_square_bracket", "period(-1)", "Shorter period", key_display="["),
        Binding("right_square_bracket", "period(1)", "Longer period", key_display="]"),
        Binding("escape", "app.back", "Back"),
    ]

    app: CaptainApp

    def __init__(self) -> None:
        super().__init__()
        #: The period shown: one of `PERIODS`.
        self.period = DEFAULT_SINCE
        #: The figures drawn, once read.
        self.view: MetricsView | None = None

    def compose(self) -> ComposeResult:
        header = CaptainHeader(readonly=self.app.readonly)
        header.place = "metrics"
        yield header
        yield Static("", classes="headline")
        stages = [stage.name for stage in self.app.helm.pipeline.stages]
        with VerticalScroll(id="cards"):
            yield DeliveryCard(stages[-1])
            with Grid(id="stages"):
                yield from (StageCard(name) for name in stages)
            yield Static(
                f"in stage, person wait: medians · lead time: commit → passed {stages[-1]} · "
                f"restore: failed → rolled back · {NONE}: nothing to measure",
                classes="note",
            )
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#cards").focus()
        self._headline()
        self.load()
        if self.app.board is not None:
            self.query_one(CaptainHeader).show(self.app.board)

    def show_board(self, board: Board) -> None:
        """Read the figures again: the state changed."""
        self.query_one(CaptainHeader).show(board)
        self.load()

    @work(exclusive=True, group="metrics", thread=True)
    def load(self) -> None:
        """Ask the service for the figures of the period, in a thread."""
        period = self.period
        try:
            view = self.app.helm.metrics(period)
        except CaptainError as error:
            self.app.call_from_thread(self.notify, str(error), severity="error")
            return
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.draw, view, period)

    def draw(self, view: MetricsView, period: str) -> None:
        """Write `view`, unless the period changed while it was read."""
        if period != self.period:
            return
        self.view = view
        for card, stage in zip(self.query(StageCard), view.stages, strict=True):
            card.show(stage)
        self.query_one(DeliveryCard).show(view.delivery)
        self._headline()

    def _headline(self) -> None:
        view = self.view
        window = (
            "reading…"
            if view is None
            else f"{look.date_minute(view.since)} → {look.date_minute(view.until)}"
        )
        self.query_one(".headline", Static).update(
            Content.assemble(
                (f"last {self.period}", "b"),
                "  ",
                (window, "$foreground-muted"),
                "  ",
                ("[ ]", "b $text-accent"),
                " period",
            )
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "period" and parameters:
            at = PERIODS.index(self.period) + int(str(parameters[0]))
            return None if not 0 <= at < len(PERIODS) else True
        return True

    def action_period(self, step: int) -> None:
        """A shorter (-1) or longer (1) period."""
        at = PERIODS.index(self.period) + step
        if 0 <= at < len(PERIODS):
            self.period = PERIODS[at]
            self.view = None
            self._headline()
            self.refresh_bindings()
            self.load()

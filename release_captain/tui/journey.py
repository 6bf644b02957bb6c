"""Provides a version's journey across the stages, as the versions screen draws it: one
`Cell` per stage, each from the first source of cells that knows something of it —
what the store recorded (entered, passed, rejected, superseded, with their times), then
what holds the version at a stage's door (waiting), then the version's forecast (SPEC
§10, taken by the helm once per change of state) for the stages it has not reached: it
fills only the cells nothing happened in, written `~ 14:05` (`~ due 14:05` when wide)
so an expectation never reads as a record.

No Textual here: plain values in, plain text out, each state written with a symbol
(and a word where there is room) so it reads without colour."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence

from msgspec import Struct

from release_captain.config.model import Stage
from release_captain.service import ForecastView, VersionRow
from release_captain.tui import look

#: The width of a stage column with a symbol and a time (`● 14:05`).
NARROW_CELL = 7
#: The width of a stage column with the state's word too (`◐ in flight 14:05`).
WIDE_CELL = 17


class Cell(Struct, frozen=True, kw_only=True):
    """What the journey shows of one version in one stage."""

    #: passed | in-flight | rejected | superseded | waiting | forecast | None.
    state: str | None
    #: When it happened: entered for in flight, passed/rejected/superseded otherwise.
    at: float | None = None
    #: Why, in the engine's or a person's words (a rejection's reason, a hold's).
    reason: str = ""
    #: Which source of cells said so: `recorded`, `held`, `forecast` or `none`.
    source: str = "none"


class Known(Struct, frozen=True, kw_only=True):
    """What the sources know beside the version's own row."""

    #: stage -> the version that waits at its door.
    waiting: Mapping[str, int]
    #: The version's forecast, when the helm took one.
    forecast: ForecastView | None = None


#: A source of cells: (the version, the stage, what else is known) -> a cell, or None
#: when it knows nothing of that stage.
CellSource = Callable[[VersionRow, str, Known], Cell | None]


def recorded(row: VersionRow, stage: str, known: Known) -> Cell | None:
    """What the store recorded of the version in the stage."""
    mark = row.marks.get(stage)
    if mark is None:
        return None
    at = mark.entered_at if mark.state == "in-flight" else mark.finished_at
    return Cell(state=mark.state, at=at, reason=mark.reason, source="recorded")


def held(row: VersionRow, stage: str, known: Known) -> Cell | None:
    """The version waits at the stage's door (a gate, a blocker, a busy stage)."""
    if known.waiting.get(stage) != row.number:
        return None
    return Cell(state="waiting", source="held")


def foreseen(row: VersionRow, stage: str, known: Known) -> Cell | None:
    """When the forecast expects the version to pass a stage it has not reached."""
    said = known.forecast.stage(stage) if known.forecast is not None else None
    if said is None or said.state != "forecast" or said.pass_at is None:
        return None
    waits = ", ".join(said.waits_for)
    return Cell(
        state="forecast",
        at=said.pass_at,
        reason=f"waits for {waits}" if waits else "",
        source="forecast",
    )


#: The states whose reason the detail gives (a pass or an entry needs none).
_EXPLAINED = ("rejected", "superseded", "forecast")

#: The sources of cells, first answer wins.
SOURCES: tuple[CellSource, ...] = (recorded, held, foreseen)


def journey(row: VersionRow, stages: Sequence[str], known: Known) -> list[Cell]:
    """One cell per stage, in pipeline order."""
    cells = []
    for stage in stages:
        found = next((c for source in SOURCES if (c := source(row, stage, known))), None)
        cells.append(found or Cell(state=None))
    return cells


def when(at: float, now: float) -> str:
    """`14:05` on the day of `now` (local time), else the day: `09-19`."""
    moment = dt.datetime.fromtimestamp(at)
    if moment.date() == dt.datetime.fromtimestamp(now).date():
        return moment.strftime("%H:%M")
    return moment.strftime("%m-%d")


def cell_text(cell: Cell, now: float, *, wide: bool) -> str:
    """`● 14:05` (narrow) or `● passed 14:05` (wide); `·` for not reached."""
    symbol, word = look.STREAM.get(cell.state, ("?", cell.state or ""))
    parts = [symbol]
    if wide and cell.state is not None:
        parts.append(word)
    if cell.at is not None:
        parts.append(when(cell.at, now))
    return " ".join(parts)


def header(stage: Stage, width: int) -> str:
    """A stage's name in `width` characters: a wave as `prod·2`, a long name cut `…`."""
    name = stage.name
    if len(name) <= width:
        return name
    if stage.wave is not None:
        suffix = f"·{stage.wave}"
        return stage.group[: width - len(suffix)] + suffix
    return name[: width - 1] + "…"


def details(cells: Sequence[Cell], stages: Sequence[str]) -> list[str]:
    """The row's detail: where it is now and why it stopped, in words, with full times."""
    lines = []
    for stage, cell in zip(stages, cells, strict=True):
        if cell.state is None:
            continue
        _, word = look.STREAM.get(cell.state, ("?", cell.state))
        stamp = f" {look.day_clock(cell.at)[:-3]}" if cell.at is not None else ""
        why = f": {cell.reason}" if cell.reason and cell.state in _EXPLAINED else ""
        lines.append(f"{stage} {word}{stamp}{why}")
    return lines

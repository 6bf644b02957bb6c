"""Keeps the TUI tests stable: no animations, UTC times, the default dark theme
whatever the developer's terminal says, a fixed user name; runs `async def` tests;
helpers to type text and to wait for the app."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Callable, Iterator

import pytest
from textual.pilot import Pilot


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run `async def` tests in a fresh event loop (Pilot needs one; no plugin needed)."""
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    names = pyfuncitem._fixtureinfo.argnames
    asyncio.run(pyfuncitem.obj(**{name: pyfuncitem.funcargs[name] for name in names}))
    return True


@pytest.fixture(autouse=True)
def steady_screen(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.delenv("CAPTAIN_THEME", raising=False)
    monkeypatch.delenv("COLORFGBG", raising=False)
    for name in ("LOGNAME", "USER"):  # the actor every action records
        monkeypatch.setenv(name, "tester")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


async def type_text(pilot: Pilot, text: str) -> None:
    """Type `text` into whatever has focus."""
    await pilot.press(*["space" if c == " " else c for c in text])


async def until(pilot: Pilot, done: Callable[[], object], timeout: float = 5.0) -> None:
    """Let the app run until `done()` is true (a worker's dialog is up, say)."""
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "the app did not get there in time"
        await pilot.pause(0.02)

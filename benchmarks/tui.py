"""Provides benchmark 6 of issue 7, the TUI: first paint and one refresh of the board
over a store of 50 targets and 500 versions of history (`benchmarks/history.py`, with
the newest version in flight in beta).

Each repetition runs in a fresh process (`python -m benchmarks.tui CHILD FOLDER`) on a
fresh copy of the store, headless through Textual's `run_test` at 200×60:

- import: `import release_captain.tui` (Textual included);
- first paint: from `make_app(captain, refresh=0)` to the board drawn with the store's
  data (`await app.refreshed()` then a `pilot.pause()`);
- refresh, nothing changed: one more `refreshed()` + pause, the store as it was;
- refresh after a change: one running deploy step is recorded as passed first (as the
  engine records it), then `refreshed()` + pause — the board redraws.

Issue 7 sets no target for these; SPEC §7 asks for a refresh at least once a second.
When `release_captain.tui` cannot be imported the figures read "n/a (no TUI yet)".
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
import time
from pathlib import Path

from benchmarks.common import BenchmarkError, Figure, bench_env, temp_folder, timed_run
from benchmarks.history import copy_project, history_store
from benchmarks.pipelines import tui_pipeline

NAME = "tui"
VERSIONS = 500
SIZE = (200, 60)
TIMEOUT = 120.0
FIGURES = (
    ("import", "import release_captain.tui (Textual included)"),
    ("first_paint", "first paint, 50 targets × 500 versions"),
    ("refresh_same", "one refresh, nothing changed"),
    ("refresh_changed", "one refresh after a step finished"),
)


def tui_missing() -> str:
    """Why the TUI cannot be benchmarked, or "" when it can."""
    try:
        from release_captain.tui import make_app  # noqa: F401
    except ImportError:
        return "n/a (no TUI yet)"
    except Exception as error:  # a TUI being written may fail to import
        return f"n/a (TUI fails to import: {type(error).__name__})"
    return ""


def run(repeat: int) -> list[Figure]:
    missing = tui_missing()
    if missing:
        return [Figure(bench=NAME, name=label, unit="ms", na=missing) for _, label in FIGURES]
    source = history_store(tui_pipeline(), VERSIONS)
    samples: dict[str, list[float]] = {key: [] for key, _ in FIGURES}
    with temp_folder(NAME) as tmp:
        for n in range(repeat + 1):
            project = tmp / f"project-{n}"
            copy_project(source, project)
            out = tmp / f"child-{n}.json"
            timed = timed_run(
                [sys.executable, "-m", "benchmarks.tui", "child", str(project)],
                cwd=Path(__file__).resolve().parent.parent,
                timeout=TIMEOUT,
                stdout=out,
                env=bench_env({"TEXTUAL_ANIMATIONS": "none"}),
            )
            text = out.read_text(errors="replace")
            if timed.returncode != 0 or timed.timed_out:
                raise BenchmarkError(f"the TUI child failed:\n{text[-2000:]}")
            shutil.rmtree(project, ignore_errors=True)
            if n == 0:
                continue  # the first one only warms the page cache
            result = json.loads(text.strip().splitlines()[-1])
            for key in samples:
                samples[key].append(result[key])
    return [
        Figure(
            bench=NAME,
            name=label,
            unit="ms",
            samples=samples[key],
            note="a fresh process per repetition; headless run_test at 200×60"
            if key == "first_paint"
            else "",
        )
        for key, label in FIGURES
    ]


# -- the child process ---------------------------------------------------------------------


async def _measure(folder: Path) -> dict[str, float]:
    started = time.perf_counter()
    from release_captain.tui import make_app

    imported = time.perf_counter()
    from release_captain.service import Captain
    from release_captain.store import Store

    captain = Captain.from_config(folder / "pipeline.toml")
    result: dict[str, float] = {"import": (imported - started) * 1000}
    begin = time.perf_counter()
    app = make_app(captain, refresh=0)
    async with app.run_test(size=SIZE) as pilot:
        await app.refreshed()
        await pilot.pause()
        result["first_paint"] = (time.perf_counter() - begin) * 1000
        if app.board is None:
            raise RuntimeError("the board was not drawn")
        begin = time.perf_counter()
        await app.refreshed()
        await pilot.pause()
        result["refresh_same"] = (time.perf_counter() - begin) * 1000
        # One running deploy step ends, recorded through the store as the engine does.
        writer = Store(captain.pipeline.state_dir)
        try:
            row = writer.db.conn.execute(
                "SELECT id FROM steps WHERE state = 'running' ORDER BY id LIMIT 1"
            ).fetchone()
            if row is None:
                raise RuntimeError("no running step in the generated store")
            writer.finish_step(row[0], passed=True, exit_code=0, detail="exited 0", now=time.time())
        finally:
            writer.close()
        before = app.board
        begin = time.perf_counter()
        await app.refreshed()
        await pilot.pause()
        result["refresh_changed"] = (time.perf_counter() - begin) * 1000
        if app.board == before:
            raise RuntimeError("the refresh after a change did not change the board")
    captain.close()
    return result


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "child":
        print(json.dumps(asyncio.run(_measure(Path(sys.argv[2])))))
    else:
        sys.exit("usage: python -m benchmarks.tui child PROJECT_FOLDER")

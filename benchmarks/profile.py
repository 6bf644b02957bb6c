"""Provides `python -m benchmarks.profile [NAME…]`: profiles of what the benchmarks
measure, to find what dominates a missed target. Reports are written to
`benchmarks/.cache/profiles/NAME.txt` and their top lines printed.

Profiles (all by default):

- `timeline-true`, `timeline-reference`, `timeline-scale`: where the wall time of
  `captain run --until-idle` goes, phase by phase, from the engine's event log;
- `run-true`, `run-reference`: `captain run --headless --until-idle` on the reference
  pipeline (every command `true`, and the real one) — pyinstrument, main thread;
- `scale`: the same on 200 targets × `sleep 0.5`;
- `status`: `captain status --json` on the 2,000-version store — pyinstrument;
- `imports-help`, `imports-status`, `imports-run`: `python -X importtime` of `captain
  --help`, `captain status --json` and `captain run --until-idle` (the second of two
  runs, from a fresh state directory), the 25 slowest imports by cumulative time;
- `tick-2000`, `tick-20000`: 20 decision passes in process — pyinstrument, plus the
  time of each SQL query of `load_state` (sqlite3 trace).

pyinstrument (`pip install pyinstrument` into the venv) is used when installed, else
cProfile.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import (
    CACHE,
    bench_env,
    make_project,
    reset_state,
    temp_folder,
)
from benchmarks.history import copy_project, history_store
from benchmarks.pipelines import Shape, reference, reference_true, scale

OUT = CACHE / "profiles"
HAVE_PYINSTRUMENT = importlib.util.find_spec("pyinstrument") is not None


def _profiled(args: list[str], report: Path) -> list[str]:
    """`python -m <profiler> … -m release_captain ARGS` writing a text report."""
    if HAVE_PYINSTRUMENT:
        return [
            sys.executable, "-m", "pyinstrument", "-i", "0.0005", "-r", "text",
            "-o", str(report), "-m", "release_captain", *args,
        ]  # fmt: skip
    return [
        sys.executable, "-c",
        "import cProfile, pstats, sys, runpy; sys.argv = ['captain', *sys.argv[2:]]; "
        "p = cProfile.Profile(); p.enable()\n"
        "try: runpy.run_module('release_captain', run_name='__main__')\n"
        "except SystemExit: pass\n"
        "p.disable(); s = pstats.Stats(p, stream=open(sys.argv[1], 'w'));"
        " s.sort_stats('cumulative').print_stats(60)",
        str(report), *args,
    ]  # fmt: skip


def profile_run(name: str, shape: Shape) -> Path:
    report = OUT / f"{name}.txt"
    with temp_folder("profile") as folder:
        make_project(folder, shape.toml())
        # One unprofiled run first: bytecode caches and the page cache are warm.
        for _ in range(2):
            reset_state(folder)
            args = ["run", "--headless", "--until-idle"]
            argv = _profiled(args, report)
            subprocess.run(
                argv, cwd=folder, env=bench_env(),
                stdout=subprocess.DEVNULL, timeout=120, check=True,
            )  # fmt: skip
    return report


def profile_status() -> Path:
    report = OUT / "status.txt"
    source = history_store(reference(), 2000)
    with temp_folder("profile") as tmp:
        project = copy_project(source, tmp / "project")
        for _ in range(2):
            subprocess.run(
                _profiled(["status", "--json"], report), cwd=project, env=bench_env(),
                stdout=subprocess.DEVNULL, timeout=120, check=True,
            )  # fmt: skip
    return report


def profile_imports(
    name: str, args: list[str], store: Path | None = None, shape: Shape | None = None
) -> Path:
    report = OUT / f"{name}.txt"
    argv = [sys.executable, "-X", "importtime", "-m", "release_captain", *args]
    with temp_folder("profile") as tmp:
        if store:
            cwd = copy_project(store, tmp / "project")
        elif shape:
            cwd = make_project(tmp / "project", shape.toml())
        else:
            cwd = tmp
        subprocess.run(argv, cwd=cwd, env=bench_env(), capture_output=True, timeout=60)
        if shape:
            reset_state(cwd)  # a fresh state directory, as the overhead benchmark runs it
        done = subprocess.run(argv, cwd=cwd, env=bench_env(), capture_output=True, text=True,
                              timeout=60)  # fmt: skip
    rows = []
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
        if match:
            rows.append((int(match[2]), int(match[1]), len(match[3]), match[4]))
    total = sum(own for _, own, _, _ in rows)
    lines = [f"python -X importtime -m release_captain {' '.join(args)}",
             f"sum of self times: {total / 1000:.1f} ms", "",
             "cumulative ms   self ms  module (25 slowest by cumulative time)"]  # fmt: skip
    for cumulative, own, _depth, module in sorted(rows, reverse=True)[:25]:
        lines.append(f"{cumulative / 1000:13.1f} {own / 1000:9.1f}  {module}")
    report.write_text("\n".join(lines) + "\n")
    return report


def profile_tick(versions: int) -> Path:
    from release_captain.config import load_pipeline
    from release_captain.engine import decide
    from release_captain.runtime.observation import observe
    from release_captain.store import Store

    report = OUT / f"tick-{versions}.txt"
    folder = history_store(reference(), versions)
    pipeline = load_pipeline(folder / "pipeline.toml")
    store = Store(pipeline.state_dir)
    now = time.time()
    for _ in range(3):
        decide(pipeline, observe(pipeline, store, now), now)
    # Each statement's time, through sqlite3's trace of what runs.
    queries: dict[str, list[float]] = {}
    conn = store.db.conn
    last = [time.perf_counter(), ""]

    def trace(sql: str) -> None:
        at = time.perf_counter()
        if last[1]:
            queries.setdefault(last[1], []).append((at - last[0]) * 1000)
        last[0], last[1] = at, " ".join(sql.split())

    conn.set_trace_callback(trace)
    observe(pipeline, store, now)
    trace("")
    conn.set_trace_callback(None)
    lines = [
        f"one observe() on {versions:,} versions: time from each statement's start to the "
        "next statement's start (its rows fetched and turned into records)",
        "",
    ]
    for sql, times in sorted(queries.items(), key=lambda kv: -sum(kv[1])):
        lines.append(f"{sum(times):9.2f} ms  ×{len(times):<3} {sql[:160]}")
    lines.append("")
    passes = 20
    if HAVE_PYINSTRUMENT:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        profiler.start()
        for _ in range(passes):
            decide(pipeline, observe(pipeline, store, now), now)
        profiler.stop()
        lines.append(f"{passes} passes (observe + decide):")
        lines.append(profiler.output_text(unicode=True, color=False))
    else:
        import cProfile
        import io
        import pstats

        prof = cProfile.Profile()
        prof.enable()
        for _ in range(passes):
            decide(pipeline, observe(pipeline, store, now), now)
        prof.disable()
        stream = io.StringIO()
        pstats.Stats(prof, stream=stream).sort_stats("cumulative").print_stats(40)
        lines.append(stream.getvalue())
    store.close()
    report.write_text("\n".join(lines))
    return report


def profile_timeline(name: str, shape: Shape, runs: int = 5) -> Path:
    """Where the wall time of `captain run --until-idle` goes, from the engine's own
    event log: start-up, detection, build, each stage, shut-down (median of `runs`)."""
    import sqlite3
    import statistics

    from benchmarks.common import captain_command, timed_run

    report = OUT / f"{name}.txt"
    phases: dict[str, list[float]] = {}
    with temp_folder("profile") as folder:
        make_project(folder, shape.toml())
        for n in range(runs + 1):
            reset_state(folder)
            started = time.time()
            timed = timed_run(
                [*captain_command(), "run", "--headless", "--until-idle"], cwd=folder,
                timeout=120,
            )  # fmt: skip
            ended = started + timed.seconds
            conn = sqlite3.connect(folder / ".captain" / "state.db")
            events = conn.execute("SELECT at, kind, stage FROM events ORDER BY id").fetchall()
            conn.close()
            if n == 0:
                continue  # warms the caches
            first = {}
            for at, kind, stage in events:
                first.setdefault((kind, stage), at)
            marks = [
                ("process start", started),
                ("engine.started", first[("engine.started", None)]),
            ]
            marks += [
                ("version.detected", first[("version.detected", None)]),
                ("build.started", first[("build.started", None)]),
                ("build.succeeded", first[("build.succeeded", None)]),
            ]
            for stage in _stage_names(shape):
                marks += [
                    (f"{stage} entered", first[("stage.entered", stage)]),
                    (f"{stage} passed", first[("stage.passed", stage)]),
                ]
            marks += [("engine.stopped", first[("engine.stopped", None)]), ("process exit", ended)]
            for (a, at_a), (b, at_b) in zip(marks, marks[1:], strict=False):
                phases.setdefault(f"{a} → {b}", []).append((at_b - at_a) * 1000)
    lines = [
        f"{name}: captain run --headless --until-idle on {shape.name}, deploy "
        f"`{shape.deploy}` ({shape.commands} commands): "
        f"median of {runs} runs, from the engine's event times (recorded when the engine "
        "saw each thing happen)",
        "",
        f"{'ms':>9}  phase",
    ]
    total = 0.0
    for phase, times in phases.items():
        total += statistics.median(times)
        lines.append(f"{statistics.median(times):9.1f}  {phase}")
    lines.append(f"{total:9.1f}  sum of the medians")
    report.write_text("\n".join(lines) + "\n")
    return report


def _stage_names(shape: Shape) -> list[str]:
    names = []
    for stage in shape.stages:
        if len(stage.waves) == 1:
            names.append(stage.name)
        else:
            names += [f"{stage.name}-wave-{i + 1}" for i in range(len(stage.waves))]
    return names


PROFILES = {
    "timeline-true": lambda: profile_timeline("timeline-true", reference_true()),
    "timeline-reference": lambda: profile_timeline("timeline-reference", reference()),
    "timeline-scale": lambda: profile_timeline("timeline-scale", scale(200)),
    "run-true": lambda: profile_run("run-true", reference_true()),
    "run-reference": lambda: profile_run("run-reference", reference()),
    "scale": lambda: profile_run("scale", scale(200)),
    "status": profile_status,
    "imports-help": lambda: profile_imports("imports-help", ["--help"]),
    "imports-status": lambda: profile_imports(
        "imports-status", ["status", "--json"], history_store(reference(), 2000)
    ),
    "imports-run": lambda: profile_imports(
        "imports-run", ["run", "--headless", "--until-idle"], shape=reference_true()
    ),
    "tick-2000": lambda: profile_tick(2000),
    "tick-20000": lambda: profile_tick(20000),
}


def main(names: list[str]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name in names or list(PROFILES):
        if name not in PROFILES:
            sys.exit(f"unknown profile {name!r}; choose from {', '.join(PROFILES)}")
        report = PROFILES[name]()
        print(f"== {name}: {report}")
        print("\n".join(report.read_text().splitlines()[:40]))


if __name__ == "__main__":
    main(sys.argv[1:])

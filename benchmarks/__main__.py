"""Provides `python -m benchmarks`: runs the benchmark suite of issue 7 and prints one
table — each figure, its target, pass or fail, the median of the repetitions with their
min and max.

    python -m benchmarks                    # everything, 5 repetitions (under ten minutes)
    python -m benchmarks --quick            # everything once
    python -m benchmarks --only overhead --only scale --repeat 3
    python -m benchmarks --markdown out.md  # also write the table as Markdown

Exit status: 0 when every target is met, 1 when one is missed, 2 when a benchmark could
not measure at all.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import os
import platform
import subprocess
import sys
import time
import traceback
from pathlib import Path

from benchmarks.common import Figure, fmt

#: The benchmarks in the order they run (module names under `benchmarks/`).
BENCHMARKS = (
    "overhead",
    "commit_to_deploy",
    "cli_latency",
    "metrics",
    "engine_tick",
    "scale",
    "tui",
    "forecast",
    "forecast_accuracy",
)


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(os.cpu_count()),
        "cpu": model,
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "commit": commit or "unknown",
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


class OtherLoad:
    """How busy the machine was with work that is not this suite's: all CPU time spent
    (`/proc/stat`) minus this process's and its reaped children's, per second of wall
    time — 0.0 on a quiet machine, 2.0 when both cores of a 2-core machine were taken."""

    def __init__(self) -> None:
        self._start = self._read()

    @staticmethod
    def _read() -> tuple[float, float, float]:
        ticks = os.sysconf("SC_CLK_TCK")
        try:
            fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
            busy = sum(int(v) for i, v in enumerate(fields) if i not in (3, 4)) / ticks
        except (OSError, ValueError):
            busy = float("nan")
        t = os.times()
        ours = t.user + t.system + t.children_user + t.children_system
        return time.monotonic(), busy, ours

    def cores(self) -> float:
        at, busy, ours = self._read()
        at0, busy0, ours0 = self._start
        return max(0.0, ((busy - busy0) - (ours - ours0)) / max(at - at0, 1e-9))


def run_all(names: list[str], repeat: int) -> tuple[list[Figure], list[str], dict[str, float]]:
    figures: list[Figure] = []
    errors: list[str] = []
    others: dict[str, float] = {}
    for name in names:
        module = importlib.import_module(f"benchmarks.{name}")
        started = time.monotonic()
        load = OtherLoad()
        print(f"… {name}", file=sys.stderr, flush=True)
        try:
            found = module.run(repeat)
        except Exception as error:  # the other benchmarks still run
            errors.append(f"{name}: {error}")
            traceback.print_exc()
            found = [Figure(bench=name, name="(could not measure)", unit="s", na=str(error)[:60])]
        figures += found
        others[name] = load.cores()
        print(
            f"  {name} took {time.monotonic() - started:.1f} s; other work on the machine "
            f"meanwhile: {others[name]:.2f} cores",
            file=sys.stderr,
            flush=True,
        )
    return figures, errors, others


def target_text(figure: Figure) -> str:
    return "—" if figure.target is None else f"≤ {fmt(figure.target, figure.unit)}"


def rows(figures: list[Figure]) -> list[list[str]]:
    out = []
    for f in figures:
        if f.na:
            out.append([f.bench, f.name, target_text(f), f.na, "", "", "", "n/a"])
            continue
        out.append(
            [
                f.bench,
                f.name,
                target_text(f),
                fmt(f.median, f.unit),
                fmt(min(f.samples), f.unit) if f.samples else "—",
                fmt(max(f.samples), f.unit) if f.samples else "—",
                str(len(f.samples)),
                f.verdict,
            ]
        )
    return out


HEADERS = ["benchmark", "figure", "target", "median", "min", "max", "n", "result"]


def print_table(figures: list[Figure], info: dict[str, str], elapsed: float) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(
        title="release-captain benchmarks (issue 7)",
        caption=(
            f"{info['date']} · {info['nproc']} × {info['cpu']} · Python {info['python']} · "
            f"commit {info['commit']} · load average {info['load']} · suite took {elapsed:.0f} s"
        ),
    )
    for header in HEADERS:
        table.add_column(
            header, justify="right" if header in ("median", "min", "max", "n") else "left"
        )
    styles = {"pass": "green", "FAIL": "bold red", "info": "dim", "n/a": "yellow"}
    for row in rows(figures):
        row[-1] = f"[{styles.get(row[-1], '')}]{row[-1]}[/]"
        table.add_row(*row)
    console = Console(width=max(150, Console().width))
    console.print(table)
    for f in figures:
        if f.note:
            console.print(f"[dim]· {f.bench} / {f.name.strip()}: {f.note}[/]")
    console.print(
        f"[dim]· other work on the machine during each benchmark, in cores: {info['others']}[/]"
    )


def markdown(figures: list[Figure], info: dict[str, str], elapsed: float) -> str:
    lines = [
        f"Measured {info['date']} on {info['nproc']} × {info['cpu']}, {info['system']}, "
        f"Python {info['python']}, commit `{info['commit']}`; the suite took {elapsed:.0f} s; "
        f"load average at the end {info['load']} (1, 5, 15 min).",
        "",
        "| " + " | ".join(HEADERS) + " |",
        "|" + "|".join("---" for _ in HEADERS) + "|",
    ]
    for row in rows(figures):
        if row[-1] == "FAIL":
            row[-1] = "**FAIL**"
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
    notes = [f"- {f.bench} / {f.name.strip()}: {f.note}" for f in figures if f.note]
    notes.append(f"- other work on the machine during each benchmark, in cores: {info['others']}")
    if notes:
        lines += ["", *notes]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Run the benchmark suite of issue 7 and print one table.",
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=BENCHMARKS,
        metavar="NAME",
        help=f"run only this benchmark (repeatable): {', '.join(BENCHMARKS)}",
    )
    parser.add_argument("--repeat", type=int, default=5, help="repetitions (default 5)")
    parser.add_argument("--quick", action="store_true", help="one repetition (--repeat 1)")
    parser.add_argument("--markdown", type=Path, help="also write the table as Markdown here")
    args = parser.parse_args(argv)
    repeat = 1 if args.quick else max(1, args.repeat)
    names = [n for n in BENCHMARKS if not args.only or n in args.only]
    load = os.getloadavg()[0]
    if load > 0.5:
        print(
            f"warning: load average {load:.2f} — other work on this machine will skew the figures",
            file=sys.stderr,
        )
    started = time.monotonic()
    figures, errors, others = run_all(names, repeat)
    elapsed = time.monotonic() - started
    info = machine()
    info["others"] = ", ".join(f"{name} {cores:.2f}" for name, cores in others.items())
    print_table(figures, info, elapsed)
    if args.markdown:
        args.markdown.write_text(markdown(figures, info, elapsed))
    if errors:
        for error in errors:
            print(f"error: {error.splitlines()[0]}", file=sys.stderr)
        return 2
    return 1 if any(f.verdict == "FAIL" for f in figures) else 0


if __name__ == "__main__":
    sys.exit(main())

"""Provides the ideal run of a pipeline: its commands run by bash with `&` and `wait` in
the same order and parallelism, timed from this process exactly as `captain run` is.

What the captain adds over this ideal is its orchestration overhead: start-up, the
clean checkout of the build, recording every decision and result, and reacting to each
command's end.

`python -m benchmarks.ideal` prints the ideal script of the reference pipeline and times it.
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.common import Timed, check, timed_run
from benchmarks.pipelines import Shape, reference


def write_ideal(shape: Shape, folder: Path) -> Path:
    """Write `ideal.sh` for `shape` into `folder` and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "ideal.sh"
    path.write_text(shape.bash())
    return path


def time_ideal(shape: Shape, folder: Path, *, timeout: float = 60.0) -> Timed:
    """Run the ideal of `shape` once in `folder` (`bash ideal.sh`) and time it."""
    script = write_ideal(shape, folder)
    timed = timed_run(["bash", str(script)], cwd=folder, timeout=timeout)
    check(timed, f"the ideal run of {shape.name}")
    return timed


if __name__ == "__main__":
    import tempfile

    shape = reference()
    print(shape.bash())
    with tempfile.TemporaryDirectory() as tmp:
        print(f"ideal: {time_ideal(shape, Path(tmp)).seconds:.3f} s")

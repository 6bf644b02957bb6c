"""The shell runner (rule R12): exit codes, logs, timeouts and cancellation that leave no
process of the group behind, and a normal exit that leaves a started service alone."""

from __future__ import annotations

import os
import re
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from release_captain.runtime.shell import CommandResult, Running, ShellRunner


def run(
    tmp_path: Path,
    command: str,
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 5.0,
    log: Path | None = None,
    cancel: threading.Event | None = None,
    kill_grace: float = 0.2,
) -> CommandResult:
    """`ShellRunner.run` with the options every test here shares."""
    return ShellRunner(kill_grace=kill_grace).run(
        command,
        cwd=cwd or tmp_path,
        env=dict(os.environ) if env is None else env,
        timeout=timeout,
        log=log or tmp_path / "logs" / "step.log",
        cancel=cancel,
    )


def start(
    tmp_path: Path,
    command: str,
    on_end: Callable[[CommandResult], None],
    *,
    runner: ShellRunner | None = None,
    timeout: float = 10,
    log: str = "step.log",
) -> Running:
    """`ShellRunner.start` with the options every test here shares."""
    return (runner or ShellRunner()).start(
        command,
        cwd=tmp_path,
        env=dict(os.environ),
        timeout=timeout,
        log=tmp_path / "logs" / log,
        on_end=on_end,
    )


def group_has_live_process(pgid: int) -> bool:
    """True while a process of the group is alive; a zombie waiting for init to reap it
    is dead already (the sandbox's init reaps orphans only every few seconds)."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rfind(")") + 2 :].split()
            if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
                return True
    return False


def read_pid(path: Path) -> int:
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        text = path.read_text().strip() if path.exists() else ""
        if text:
            return int(text)
        time.sleep(0.01)
    raise AssertionError(f"{path} was never written")


def test_exit_codes_and_the_log(tmp_path: Path) -> None:
    ok = run(tmp_path, "echo hello; echo oops >&2")
    failed = run(tmp_path, "exit 3")
    assert (ok.ok, ok.exit_code, ok.describe()) == (True, 0, "exited 0")
    assert (failed.ok, failed.exit_code, failed.describe()) == (False, 3, "exited 3")
    lines = (tmp_path / "logs" / "step.log").read_text().splitlines()
    assert lines[0] == "$ echo hello; echo oops >&2"
    assert re.fullmatch(r"# process group \d+", lines[1])  # before the command runs
    assert lines[2:4] == ["hello", "oops"]
    assert lines[4].startswith("# exited 0 after ")
    assert lines[5] == "$ exit 3"
    assert re.fullmatch(r"# process group \d+", lines[6])
    assert lines[7].startswith("# exited 3 after ")


def test_runs_in_cwd_with_env_and_no_stdin(tmp_path: Path) -> None:
    result = run(
        tmp_path,
        'pwd; echo "$GREETING"; cat; echo "read done"',
        env={"PATH": os.environ["PATH"], "GREETING": "hi there"},
    )
    assert result.ok
    lines = result.log.read_text().splitlines()
    assert lines[2:5] == [str(tmp_path), "hi there", "read done"]


def test_timeout_kills_children_and_grandchildren(tmp_path: Path) -> None:
    pidfile = tmp_path / "pgid"
    started = time.monotonic()
    result = run(
        tmp_path,
        f"echo $$ > {pidfile}; sleep 100 & (sleep 100 & sleep 100; wait) & wait",
        timeout=0.3,
    )
    assert time.monotonic() - started < 2
    pgid = read_pid(pidfile)
    assert result.timed_out and not result.ok and result.exit_code is None
    assert result.describe() == "timed out after 0.3s"
    assert result.log.read_text().splitlines()[-1] == "# timed out after 0.3s: process group killed"
    assert not group_has_live_process(pgid)


def test_processes_ignoring_sigterm_get_sigkill_after_the_grace(tmp_path: Path) -> None:
    pidfile = tmp_path / "pgid"
    result = run(
        tmp_path,
        f"trap '' TERM; echo $$ > {pidfile}; sleep 100 & sleep 100 & wait",
        timeout=0.2,
        kill_grace=0.2,
    )
    assert result.timed_out
    assert 0.35 < result.duration < 2
    assert not group_has_live_process(read_pid(pidfile))


def test_cancel_kills_the_group(tmp_path: Path) -> None:
    pidfile = tmp_path / "pgid"
    cancel = threading.Event()
    threading.Timer(0.1, cancel.set).start()
    result = run(tmp_path, f"echo $$ > {pidfile}; sleep 100 & wait", timeout=30, cancel=cancel)
    assert result.cancelled and not result.timed_out and not result.ok
    assert result.describe() == "was cancelled"
    assert result.duration < 1.5
    assert not group_has_live_process(read_pid(pidfile))


def test_cancel_set_before_start_runs_nothing(tmp_path: Path) -> None:
    cancel = threading.Event()
    cancel.set()
    result = run(tmp_path, f"touch {tmp_path / 'ran'}", cancel=cancel)
    assert result.cancelled
    assert not (tmp_path / "ran").exists()


def test_quick_command_with_cancel_event_is_not_slowed(tmp_path: Path) -> None:
    # Sleep-polling the cancel event in 50 ms steps would show here; the best of five
    # keeps a busy machine from failing the test.
    durations = [run(tmp_path, "true", cancel=threading.Event()).duration for _ in range(5)]
    assert min(durations) < 0.04


def test_a_normal_exit_leaves_a_started_service_running(tmp_path: Path) -> None:
    pidfile = tmp_path / "service.pid"
    result = run(tmp_path, f"setsid sleep 30 > /dev/null 2>&1 & echo $! > {pidfile}")
    assert result.ok
    pid = read_pid(pidfile)
    try:
        os.kill(pid, 0)  # still running
    finally:
        os.kill(pid, signal.SIGKILL)


def test_a_command_that_cannot_start(tmp_path: Path) -> None:
    result = run(tmp_path, "true", cwd=tmp_path / "missing")
    assert result.exit_code is None and not result.ok
    assert (
        result.describe()
        == f"could not start: the working folder {tmp_path / 'missing'} does not exist"
    )
    assert "# could not start" in result.log.read_text()


def test_killed_by_a_signal(tmp_path: Path) -> None:
    result = run(tmp_path, "kill -9 $$")
    assert result.exit_code is None and not result.ok
    assert result.describe() == "was killed by SIGKILL"


@pytest.mark.parametrize("command", ["exit 0", "echo x"])
def test_log_parent_folders_are_created(tmp_path: Path, command: str) -> None:
    log = tmp_path / "a" / "b" / "c.log"
    assert run(tmp_path, command, log=log).ok
    assert log.read_text().startswith(f"$ {command}\n")


def test_start_returns_while_the_command_runs_and_reports_its_end(tmp_path: Path) -> None:
    ended: list[CommandResult] = []
    done = threading.Event()
    go = tmp_path / "go"

    def on_end(result: CommandResult) -> None:
        ended.append(result)
        done.set()

    running = start(tmp_path, f"while [ ! -e {go} ]; do sleep 0.01; done; exit 3", on_end)
    assert not running.wait(0.1) and ended == []
    go.touch()
    assert done.wait(5) and running.wait(5)
    (result,) = ended
    assert result.exit_code == 3


def test_many_running_commands_share_one_waiting_thread(tmp_path: Path) -> None:
    go = tmp_path / "go"
    before = threading.active_count()
    results: list[CommandResult] = []
    runner = ShellRunner()
    handles = [
        start(
            tmp_path,
            f"while [ ! -e {go} ]; do sleep 0.01; done; exit {i % 3}",
            results.append,
            runner=runner,
            log=f"{i}.log",
        )
        for i in range(30)
    ]
    # At most the reaper's own thread was added (none if an earlier test started it).
    assert threading.active_count() <= before + 1
    go.touch()
    assert all(h.wait(5) for h in handles)
    assert Counter(r.exit_code for r in results) == Counter(i % 3 for i in range(30))


def test_cancelling_a_started_command_kills_its_group(tmp_path: Path) -> None:
    pidfile = tmp_path / "pgid"
    results: list[CommandResult] = []
    running = start(
        tmp_path,
        f"echo $$ > {pidfile}; sleep 100 & wait",
        results.append,
        runner=ShellRunner(kill_grace=0.2),
        timeout=30,
    )
    pgid = read_pid(pidfile)
    running.cancel()
    assert running.wait(5)
    (result,) = results
    assert result.cancelled and not result.timed_out
    assert not group_has_live_process(pgid)


def test_many_commands_past_their_time_limit_are_all_killed(tmp_path: Path) -> None:
    results: list[CommandResult] = []
    runner = ShellRunner(kill_grace=0.2)
    handles = [
        start(
            tmp_path,
            f"echo $$ > {tmp_path / f'pgid-{i}'}; sleep 30 & wait",
            results.append,
            runner=runner,
            timeout=0.3,
            log=f"{i}.log",
        )
        for i in range(20)
    ]
    assert all(h.wait(10) for h in handles)
    assert len(results) == 20
    assert all(r.timed_out for r in results)
    assert not any(group_has_live_process(read_pid(tmp_path / f"pgid-{i}")) for i in range(20))


def test_cancelling_a_command_that_already_ended_changes_nothing(tmp_path: Path) -> None:
    results: list[CommandResult] = []
    running = start(tmp_path, "exit 4", results.append)
    assert running.wait(5)
    running.cancel()
    time.sleep(0.05)
    (result,) = results
    assert result.exit_code == 4 and not result.cancelled


def test_without_pidfds_commands_are_still_waited_for_and_timed_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # macOS and old kernels have no pidfd_open: the reaper then polls the processes.
    monkeypatch.setattr("release_captain.runtime.reaper._pidfd", lambda pid: None)
    ended = run(tmp_path, "exit 5")
    assert ended.exit_code == 5
    pidfile = tmp_path / "pgid"
    cut = run(tmp_path, f"echo $$ > {pidfile}; sleep 30 & wait", timeout=0.3)
    assert cut.timed_out
    assert not group_has_live_process(read_pid(pidfile))


def test_a_month_long_timeout_neither_kills_the_reaper_nor_hangs(tmp_path: Path) -> None:
    """Issue 12: a timeout past ~24.8 days overflowed poll() and killed the reaper
    thread, so the engine hung on the next command. Any duration validate accepts works."""
    started = time.monotonic()
    month = run(tmp_path, "sleep 0.1", timeout=30 * 86400.0)
    after = run(tmp_path, "true", timeout=5.0)
    assert month.ok and after.ok
    assert time.monotonic() - started < 5

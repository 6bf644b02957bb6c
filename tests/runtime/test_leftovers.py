"""Rule R10: what a crash left running is ended before its step runs again — its whole
process group, even a process that ignores SIGTERM — while a service a deploy started in
a session of its own, and anything of another state directory, is left alone."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from release_captain.runtime.leftovers import end_leftovers, groups_in
from release_captain.runtime.shell import ANNOUNCE_GROUP


def start_like_a_step(command: str, log: Path, state_dir: Path) -> subprocess.Popen[bytes]:
    """Start `command` as the captain starts a step's, then forget it (a crash)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        out.write(f"$ {command}\n".encode())
        env = {"PATH": os.environ["PATH"], "CAPTAIN_STATE_DIR": str(state_dir.absolute())}
        return subprocess.Popen(
            ["/bin/sh", "-c", ANNOUNCE_GROUP, "/bin/sh", command],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_for_group_line(log: Path) -> int:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if found := groups_in(log):
            return found.pop()
        time.sleep(0.01)
    raise AssertionError(f"{log} never named its process group")


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rfind(")") + 2] not in "ZX"


def test_a_cut_off_group_is_ended_whole_even_what_ignores_sigterm(tmp_path: Path) -> None:
    state = tmp_path / ".captain"
    log = state / "logs" / "deploy.log"
    pidfile = tmp_path / "stubborn.pid"
    shell = start_like_a_step(
        f"sh -c 'trap \"\" TERM; echo $$ > {pidfile}; sleep 60' & sleep 60", log, state
    )
    group = wait_for_group_line(log)
    assert group == shell.pid
    while not pidfile.exists() or not pidfile.read_text().strip():
        time.sleep(0.01)
    stubborn = int(pidfile.read_text())
    ended = end_leftovers([log], state, grace=0.3)
    assert ended == {group}
    assert not alive(stubborn) and not alive(shell.pid)
    shell.wait()


def test_a_service_in_its_own_session_and_another_state_dir_are_left_alone(
    tmp_path: Path,
) -> None:
    state = tmp_path / ".captain"
    log = state / "logs" / "deploy.log"
    service_pid = tmp_path / "service.pid"
    deploy = start_like_a_step(
        f"setsid sh -c 'echo $$ > {service_pid}; exec sleep 60' & sleep 60", log, state
    )
    wait_for_group_line(log)
    other_state = tmp_path / "other" / ".captain"
    other_log = other_state / "logs" / "deploy.log"
    other = start_like_a_step("sleep 60", other_log, other_state)
    wait_for_group_line(other_log)
    while not service_pid.exists() or not service_pid.read_text().strip():
        time.sleep(0.01)
    service = int(service_pid.read_text())
    try:
        assert end_leftovers([log, other_log], state, grace=0.3) == {deploy.pid}
        assert alive(service), "the service the deploy started in its own session was killed"
        assert alive(other.pid), "a command of another state directory was killed"
    finally:
        for pid in (service, other.pid):
            os.killpg(pid, signal.SIGKILL)
        other.wait()
        deploy.wait()


def test_a_group_that_already_ended_needs_nothing(tmp_path: Path) -> None:
    state = tmp_path / ".captain"
    log = state / "logs" / "check.log"
    done = start_like_a_step("true", log, state)
    done.wait()
    assert end_leftovers([log, state / "logs" / "missing.log"], state) == set()

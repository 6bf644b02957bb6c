#!/usr/bin/env python3
"""Runs one instance of the service per stage and target on this machine, standard
library only. Each instance lives in its own folder,

    $CAPTAIN_STATE_DIR/services/<stage>/<target>/
        app-<sha256[:12]>.pyz   the artefact it runs (named by content: never rewritten in use)
        port  pid               written once it answers
        service.log             its output

    service.py deploy     start the version's app.pyz on a free 127.0.0.1 port, wait until
                          /health answers, record port and pid, then stop the old process
    service.py health     monitor: /health answers 200 within 500 ms (without
                          $CAPTAIN_TARGET: every instance of $CAPTAIN_STAGE)
    service.py check      approval: healthy, and /version names $CAPTAIN_VERSION
    service.py stop-all [STATE_DIR]   stop every instance (the service outlives the captain
                          on purpose, as a deployed service does: this ends it)

The instance comes from $CAPTAIN_STAGE and $CAPTAIN_TARGET. A process is stopped only when
its command line names its instance's folder, so a reused pid is never signalled.
Exit 0 on success, 1 on failure, 2 on wrong usage.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

HOST = "127.0.0.1"
START_TIMEOUT = 10.0


class Failed(Exception):
    """Print the message, exit 1."""


def state_dir(argv: list[str]) -> Path:
    return Path(argv[0] if argv else os.environ.get("CAPTAIN_STATE_DIR", ".captain")).resolve()


def instance() -> Path:
    stage, target = os.environ.get("CAPTAIN_STAGE"), os.environ.get("CAPTAIN_TARGET")
    if not stage or not target:
        raise Failed("set CAPTAIN_STAGE and CAPTAIN_TARGET")
    return state_dir([]) / "services" / stage / target


def get(port: int, path: str, timeout: float) -> tuple[int, bytes]:
    with urllib.request.urlopen(f"http://{HOST}:{port}{path}", timeout=timeout) as response:
        return response.status, response.read()


def healthy(port: int, timeout: float = 0.5) -> bool:
    try:
        return get(port, "/health", timeout)[0] == 200
    except OSError:
        return False


def ours(pid: int, folder: Path) -> bool:
    """Whether `pid` still runs and its command line names `folder`."""
    try:
        return str(folder) in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except FileNotFoundError:
        return False
    except OSError:  # no /proc (macOS): trust the pid file
        return True


def stop(folder: Path) -> None:
    """Stop the instance's recorded process: SIGTERM, then SIGKILL after 3 s."""
    try:
        pid = int((folder / "pid").read_text())
    except (FileNotFoundError, ValueError):
        return
    if ours(pid, folder):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 3
        while ours(pid, folder) and time.monotonic() < deadline:
            time.sleep(0.02)
        if ours(pid, folder):
            os.kill(pid, signal.SIGKILL)
    for name in ("pid", "port"):
        (folder / name).unlink(missing_ok=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start(folder: Path, pyz: Path) -> tuple[int, int]:
    """Start the service detached (its own session: it outlives this step) and wait until
    it answers; (pid, port)."""
    port = free_port()
    with (folder / "service.log").open("ab") as log:
        proc = subprocess.Popen(
            [sys.executable, str(pyz), "--port", str(port)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=folder,
            start_new_session=True,
        )
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline and proc.poll() is None:
        if healthy(port):
            return proc.pid, port
        time.sleep(0.05)
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    raise Failed(f"the new process did not answer on {HOST}:{port}; see {folder}/service.log")


def deploy(argv: list[str]) -> str:
    folder = instance()
    folder.mkdir(parents=True, exist_ok=True)
    artefact = Path(os.environ["CAPTAIN_ARTEFACTS"]) / "app.pyz"
    pyz = folder / f"app-{hashlib.sha256(artefact.read_bytes()).hexdigest()[:12]}.pyz"
    if not pyz.exists():
        shutil.copyfile(artefact, pyz)
    pid, port = start(folder, pyz)  # the new one answers before the old one stops
    stop(folder)
    (folder / "port").write_text(f"{port}\n")
    (folder / "pid").write_text(f"{pid}\n")
    for stale in folder.glob("app-*.pyz"):
        if stale != pyz:
            stale.unlink()
    action = os.environ.get("CAPTAIN_ACTION", "deploy")
    return f"{action}: {folder.parent.name}/{folder.name} runs {pyz.name} on {HOST}:{port}"


def port_of(folder: Path) -> int:
    try:
        return int((folder / "port").read_text())
    except FileNotFoundError:
        raise Failed(f"nothing runs in {folder}") from None


def health(argv: list[str]) -> str:
    """One instance; or, asked about a whole stage (`block_on_alarm`, before a wave
    starts: no $CAPTAIN_TARGET), every instance running there, none meaning OK."""
    if os.environ.get("CAPTAIN_TARGET"):
        folders = [instance()]
    else:
        stage = os.environ.get("CAPTAIN_STAGE") or ""
        folders = [p.parent for p in (state_dir([]) / "services" / stage).glob("*/port")]
    for folder in folders:
        port = port_of(folder)
        if not healthy(port):
            raise Failed(f"{folder.name} ({HOST}:{port}/health) did not answer 200 within 500 ms")
    return f"{len(folders)} instance(s) healthy"


def check(argv: list[str]) -> str:
    port = port_of(instance())
    health(argv)
    runs = json.loads(get(port, "/version", 2)[1]).get("version")
    if runs != os.environ.get("CAPTAIN_VERSION"):
        raise Failed(f"{HOST}:{port} runs {runs}, expected {os.environ.get('CAPTAIN_VERSION')}")
    return f"{HOST}:{port} runs {runs}: passed"


def stop_all(argv: list[str]) -> str:
    folders = [p.parent for p in (state_dir(argv) / "services").glob("*/*/pid")]
    for folder in folders:
        stop(folder)
    return f"stopped {len(folders)} instance(s)"


COMMANDS = {"deploy": deploy, "health": health, "check": check, "stop-all": stop_all}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        print(COMMANDS[argv[0]](argv[1:]))
    except Failed as error:
        print(f"{argv[0]}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

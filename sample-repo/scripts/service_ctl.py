#!/usr/bin/env python3
"""Provides the operations behind the pipeline scripts: deploy, stop-all and the checks.

Each instance of the service lives in its own folder,

    $CAPTAIN_STATE_DIR/services/<stage>/<target>[-onebox]/
        sample-service-<sha256[:12]>.pyz   the artefact it runs (never rewritten while in use)
        port  pid  version                 written once the instance answers
        service.log                        its output

and every check finds its instance from `$CAPTAIN_STAGE`, `$CAPTAIN_TARGET` and
`$CAPTAIN_ONEBOX` (or from arguments: `STAGE TARGET [ONEBOX]`, or a bare `PORT`).
A process belongs to an instance when its command line carries
`--instance-dir <that folder>`; that is how a deploy finds the process it replaces,
orphans of a crashed deploy included, and never signals anything else.

Standard library only; talks to 127.0.0.1 with http.client (no proxies, no curl).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import http.client
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"
ARTEFACT = "sample-service.pyz"
#: The folder under services/ the previews live in (see `preview_instance`).
PREVIEW_STAGE = "_preview"
EXIT_PORT_IN_USE = 98  # the service's exit status when its port was taken meanwhile


class Failure(Exception):
    """A check or a deploy failed: print the message, exit 1."""


class Usage(Exception):
    """The script was called wrongly: print the message, exit 2."""


# --- where things are ---------------------------------------------------------------


def state_dir() -> Path:
    return Path(os.environ.get("CAPTAIN_STATE_DIR") or ".captain").resolve()


def services_root(state: Path | None = None) -> Path:
    return (state or state_dir()) / "services"


def is_onebox(text: str | None) -> bool:
    """`1`, `true`, `yes` and `onebox` mean onebox; `0`, `false`, `no` and empty do not."""
    value = (text or "").strip().lower()
    if value in ("1", "true", "yes", "onebox", "-onebox"):
        return True
    if value in ("", "0", "false", "no", "none"):
        return False
    raise Usage(f"cannot read {text!r} as onebox or not (use 1 or 0)")


@dataclass(frozen=True, slots=True)
class Instance:
    """One running place of the service: a stage, a target, and whether it is the onebox."""

    stage: str
    target: str
    onebox: bool

    @property
    def name(self) -> str:
        return f"{self.stage}/{self.target}" + (" onebox" if self.onebox else "")

    @property
    def folder(self) -> Path:
        return services_root() / self.stage / (self.target + ("-onebox" if self.onebox else ""))

    def read(self, file: str) -> str | None:
        try:
            return (self.folder / file).read_text().strip() or None
        except FileNotFoundError:
            return None

    def port(self) -> int:
        text = self.read("port")
        if text is None:
            raise Failure(f"{self.name} is not running: no port file in {self.folder}")
        return int(text)


def instance_from_env() -> Instance:
    stage = os.environ.get("CAPTAIN_STAGE", "")
    target = os.environ.get("CAPTAIN_TARGET", "")
    if not stage or not target:
        raise Usage("set CAPTAIN_STAGE and CAPTAIN_TARGET, or pass STAGE TARGET [ONEBOX] or PORT")
    return Instance(stage, target, is_onebox(os.environ.get("CAPTAIN_ONEBOX")))


def where(args: list[str]) -> tuple[str, int | Instance]:
    """What the checks talk to: a bare PORT, STAGE TARGET [ONEBOX], or the CAPTAIN_* variables."""
    match args:
        case [port] if port.isdigit():
            return f"{HOST}:{port}", int(port)
        case [stage, target]:
            inst = Instance(stage, target, is_onebox(os.environ.get("CAPTAIN_ONEBOX")))
        case [stage, target, onebox]:
            inst = Instance(stage, target, is_onebox(onebox))
        case []:
            inst = instance_from_env()
        case _:
            raise Usage("expected PORT, or STAGE TARGET [ONEBOX], or no arguments")
    return inst.name, inst


def port_of(place: int | Instance) -> int:
    return place if isinstance(place, int) else place.port()


# --- HTTP ----------------------------------------------------------------------------


def get(port: int, path: str, timeout: float) -> tuple[int, bytes, float]:
    """GET http://127.0.0.1:PORT/PATH: (status, body, seconds). Raises OSError when unreachable."""
    start = time.perf_counter()
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    return response.status, body, time.perf_counter() - start


def answers(port: int) -> bool:
    """True when anything answers HTTP on the port, whatever the status."""
    try:
        get(port, "/health", timeout=0.5)
    except (OSError, http.client.HTTPException):
        return False
    return True


# --- processes -------------------------------------------------------------------------


def _command_lines() -> Iterator[tuple[int, list[str]]]:
    me = os.getpid()
    proc = Path("/proc")
    if (proc / "self" / "cmdline").exists():
        for entry in proc.iterdir():
            if entry.name.isdigit() and int(entry.name) != me:
                try:
                    raw = (entry / "cmdline").read_bytes()
                except OSError:
                    continue
                if raw:  # empty for zombies and kernel threads
                    yield int(entry.name), raw.rstrip(b"\0").decode(errors="replace").split("\0")
    else:  # macOS and the BSDs: no /proc; ps splits arguments on spaces, good enough here
        listing = subprocess.run(["ps", "-Ao", "pid=,args="], capture_output=True, text=True).stdout
        for line in listing.splitlines():
            pid, _, args = line.strip().partition(" ")
            if pid.isdigit() and int(pid) != me:
                yield int(pid), args.split()


def _marked_dir(argv: list[str]) -> Path | None:
    if "--instance-dir" in argv:
        i = argv.index("--instance-dir")
        if i + 1 < len(argv):
            return Path(argv[i + 1])
    return None


def service_pids(under: Path, *, exact: bool) -> list[int]:
    """Pids of our service processes whose instance folder is `under` (or inside it)."""
    pids = []
    for pid, argv in _command_lines():
        folder = _marked_dir(argv)
        if folder is None or not any(ARTEFACT.removesuffix(".pyz") in a for a in argv):
            continue
        if folder == under or (not exact and under in folder.parents):
            pids.append(pid)
    return pids


def _alive(pid: int, marker: Path) -> bool:
    """Still running and still ours (a zombie or a reused pid is not)."""
    return pid in service_pids(marker, exact=False)


def stop(pids: list[int], marker: Path, grace: float = 3.0) -> None:
    """SIGTERM, then SIGKILL after `grace` seconds, the pids that are still ours."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while pids and time.monotonic() < deadline:
        time.sleep(0.01)
        pids = [p for p in pids if _alive(p, marker)]
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def write(path: Path, text: str) -> None:
    """Write atomically, so a reader never sees half a file."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text + "\n")
    os.replace(tmp, path)


def forget(folder: Path) -> None:
    for name in ("port", "pid", "version"):
        with contextlib.suppress(FileNotFoundError):
            (folder / name).unlink()


@contextlib.contextmanager
def locked(folder: Path) -> Iterator[None]:
    """One deploy at a time per instance; released by the kernel if the deploy dies."""
    with open(folder / ".deploy.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


# --- deploy ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def log_tail(log: Path, lines: int = 5) -> str:
    try:
        text = "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        text = ""
    return text or "(nothing)"


def start(inst: Instance, pyz: Path, timeout: float) -> tuple[subprocess.Popen[bytes], int]:
    """Start the service detached (own session, output to service.log) and wait until it answers."""
    log = inst.folder / "service.log"
    for _attempt in range(3):
        port = free_port()
        with log.open("ab") as out:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    str(pyz),
                    "--port",
                    str(port),
                    "--stage",
                    inst.stage,
                    "--target",
                    inst.target,
                    "--onebox",
                    "1" if inst.onebox else "0",
                    "--instance-dir",
                    str(inst.folder),
                ],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=inst.folder,
                start_new_session=True,
                close_fds=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            if answers(port):
                proc.returncode = 0  # detached on purpose: do not let Popen warn or reap it
                return proc, port
            time.sleep(0.02)
        else:
            stop([proc.pid], inst.folder)
            raise Failure(
                f"{inst.name}: the service did not answer on {HOST}:{port} within {timeout:g}s; "
                f"stopped it. Last lines of {log}:\n{log_tail(log)}"
            )
        if proc.returncode != EXIT_PORT_IN_USE:
            raise Failure(
                f"{inst.name}: the service exited with status {proc.returncode} before answering. "
                f"Last lines of {log}:\n{log_tail(log)}"
            )
    raise Failure(f"{inst.name}: could not find a free port on {HOST}")


def deploy(args: list[str]) -> str:
    if args:
        raise Usage("deploy takes no arguments; it reads the CAPTAIN_* variables")
    line, _ = _deploy(instance_from_env(), os.environ.get("CAPTAIN_ACTION") or "deploy")
    return line


def _deploy(inst: Instance, action: str) -> tuple[str, int]:
    """Start `$CAPTAIN_ARTEFACTS`' service as `inst`, replacing what ran there:
    (the line to print, the port it answers on)."""
    began = time.monotonic()
    folder_env = os.environ.get("CAPTAIN_ARTEFACTS")
    if not folder_env:
        raise Usage("set CAPTAIN_ARTEFACTS to the folder holding sample-service.pyz")
    artefact = Path(folder_env) / ARTEFACT
    if not artefact.is_file():
        raise Failure(f"no artefact {artefact}")
    timeout = float(os.environ.get("SAMPLE_START_TIMEOUT", "10"))
    inst.folder.mkdir(parents=True, exist_ok=True)
    with locked(inst.folder):
        # Named by content: a running instance's file is never rewritten under it.
        pyz = inst.folder / f"sample-service-{sha256(artefact)[:12]}.pyz"
        if not pyz.exists():
            tmp = pyz.with_name(f".{pyz.name}.tmp")
            shutil.copyfile(artefact, tmp)
            os.replace(tmp, pyz)
        before = inst.read("version") or "nothing"
        old = service_pids(inst.folder, exact=True)  # the pid file's process, and any orphan
        proc, port = start(inst, pyz, timeout)
        try:
            _, body, _ = get(port, "/version", timeout=1.0)
            reports = json.loads(body).get("version", "?")
        except (OSError, ValueError, http.client.HTTPException):
            reports = "?"
        write(inst.folder / "port", str(port))
        write(inst.folder / "pid", str(proc.pid))
        write(inst.folder / "version", reports)
        stop(old, inst.folder)
        if not inst.onebox:
            # The full deployment supersedes the target's onebox (and a rollback retires it).
            box = Instance(inst.stage, inst.target, True).folder
            if box.is_dir():
                stop(service_pids(box, exact=True), box)
                forget(box)
        for stale in inst.folder.glob("sample-service-*.pyz"):
            if stale != pyz:
                stale.unlink(missing_ok=True)
    replaced = (
        f"replaced {before} (pid {', '.join(map(str, old))})"
        if old
        else f"was {before}, not running"
    )
    line = (
        f"{action}: {inst.name} now runs {reports} on {HOST}:{port} (pid {proc.pid}); "
        f"{replaced}; {time.monotonic() - began:.2f}s"
    )
    return line, port


# --- previews (SPEC §11): one instance per preview name, outside every stage ------------


def preview_instance() -> Instance:
    """The instance of `$CAPTAIN_PREVIEW`. Its stage, `_preview`, can be no pipeline's
    (a stage's name starts with a letter or a digit), so a preview never replaces, nor
    is counted with, a stage's target."""
    name = os.environ.get("CAPTAIN_PREVIEW", "")
    if not name or "/" in name or name.startswith("."):
        raise Usage("set CAPTAIN_PREVIEW to the preview's name (captain preview sets it)")
    return Instance(PREVIEW_STAGE, name, False)


def preview(args: list[str]) -> str:
    """Start the preview's service on a free port and write its URL where
    `$CAPTAIN_PREVIEW_URL_FILE` says (a new head replaces the one running)."""
    if args:
        raise Usage("preview takes no arguments; it reads the CAPTAIN_* variables")
    url_file = os.environ.get("CAPTAIN_PREVIEW_URL_FILE")
    if not url_file:
        raise Usage("set CAPTAIN_PREVIEW_URL_FILE to the file the URL goes in")
    line, port = _deploy(preview_instance(), "preview")
    url = f"http://{HOST}:{port}/"
    write(Path(url_file), url)
    return f"{line}; {url}"


def unpreview(args: list[str]) -> str:
    """Stop the preview's service and remove its folder (nothing running is fine)."""
    if args:
        raise Usage("unpreview takes no arguments; it reads CAPTAIN_PREVIEW")
    inst = preview_instance()
    pids = service_pids(inst.folder, exact=True)
    stop(pids, inst.folder)
    shutil.rmtree(inst.folder, ignore_errors=True)
    return f"teardown: {inst.name} stopped ({len(pids)} process(es))"


def stop_all(args: list[str]) -> str:
    if len(args) > 1:
        raise Usage("stop-all takes at most one argument: the state directory")
    root = services_root(Path(args[0]).resolve() if args else None)
    pids = service_pids(root, exact=False)
    stop(pids, root)
    if root.is_dir():
        for pid_file in root.glob("*/*/pid"):
            forget(pid_file.parent)
    return f"stopped {len(pids)} service process(es) under {root}"


# --- checks ----------------------------------------------------------------------------


def health(args: list[str]) -> str:
    name, place = where(args)
    port = port_of(place)
    try:
        status, _, seconds = get(port, "/health", timeout=0.5)
    except (OSError, http.client.HTTPException) as error:
        raise Failure(f"health {name} ({HOST}:{port}): no answer within 500 ms: {error}") from None
    line = f"health {name} ({HOST}:{port}): {status} in {seconds * 1000:.0f} ms"
    if status != 200 or seconds > 0.5:
        raise Failure(line + " - ALARM")
    return line + " - OK"


def integration(args: list[str]) -> str:
    name, place = where(args)
    port = port_of(place)
    problems, lines = [], []
    try:
        status, body, _ = get(port, "/version", timeout=2.0)
        info = json.loads(body) if status == 200 else {}
        lines.append(f"/version -> {status} {json.dumps(info)}")
        want = os.environ.get("CAPTAIN_VERSION")
        if want and info.get("version") != want:
            problems.append(f"/version reports {info.get('version')!r}, expected {want!r}")
        runs_as = (info.get("stage"), info.get("target"), info.get("onebox"))
        if isinstance(place, Instance) and runs_as != (place.stage, place.target, place.onebox):
            problems.append(f"/version says it runs as {runs_as}, expected {place.name}")
        for path in ("/health", "/"):
            status, _, seconds = get(port, path, timeout=2.0)
            lines.append(f"{path} -> {status} in {seconds * 1000:.0f} ms")
            if status != 200:
                problems.append(f"{path} answered {status}, expected 200")
    except (OSError, ValueError, http.client.HTTPException) as error:
        problems.append(f"{HOST}:{port} did not answer properly: {error}")
    report = "\n".join([f"integration {name} ({HOST}:{port})", *lines])
    if problems:
        raise Failure(report + "\nFAILED: " + "; ".join(problems))
    return report + "\npassed"


def _setting(names: tuple[str, ...], default: str) -> str:
    return next((os.environ[n] for n in names if os.environ.get(n)), default)


def load(args: list[str]) -> str:
    name, place = where(args)
    port = port_of(place)
    count = int(_setting(("LOAD_REQUESTS", "CAPTAIN_VAR_LOAD_REQUESTS"), "50"))
    bound = float(_setting(("LOAD_P95_MS", "CAPTAIN_VAR_P95_MS"), "200"))
    path = os.environ.get("LOAD_PATH", "/")
    times, failures = [], []
    for _ in range(count):
        try:
            status, _, seconds = get(port, path, timeout=2.0)
        except (OSError, http.client.HTTPException) as error:
            failures.append(str(error) or type(error).__name__)
            continue
        times.append(seconds * 1000)
        if status != 200:
            failures.append(f"status {status}")
    times.sort()

    def pct(p: float) -> float:  # nearest rank
        return times[max(0, math.ceil(p * len(times)) - 1)] if times else math.inf

    line = (
        f"load {name}: {count} requests to {path}, {len(failures)} failed, "
        f"p50 {pct(0.5):.1f} ms, p95 {pct(0.95):.1f} ms, max {pct(1.0):.1f} ms "
        f"(bound: p95 <= {bound:g} ms)"
    )
    if failures:
        raise Failure(f"{line}\nFAILED: {len(failures)} request(s) failed, first: {failures[0]}")
    if pct(0.95) > bound:
        raise Failure(f"{line}\nFAILED: p95 above the bound")
    return line + "\npassed"


def _error_rate_of(name: str, port: int, samples: int) -> tuple[int, str]:
    errors, first = 0, ""
    for _ in range(samples):
        try:
            status, _, _ = get(port, "/health", timeout=1.0)
            problem = "" if status == 200 else f"status {status}"
        except (OSError, http.client.HTTPException) as error:
            problem = str(error) or type(error).__name__
        if problem:
            errors += 1
            first = first or problem
    return errors, first


def error_rate(args: list[str]) -> str:
    samples = int(os.environ.get("ERROR_SAMPLES", "10"))
    threshold = float(os.environ.get("ERROR_THRESHOLD", "0.2"))
    if not args and os.environ.get("CAPTAIN_STAGE") and not os.environ.get("CAPTAIN_TARGET"):
        # Asked about a whole stage (say, before entering it): every instance deployed there.
        stage = os.environ["CAPTAIN_STAGE"]
        folders = sorted(p.parent for p in (services_root() / stage).glob("*/port"))
        places = [
            Instance(stage, f.name.removesuffix("-onebox"), f.name.endswith("-onebox"))
            for f in folders
        ]
    else:
        name, place = where(args)
        places = [place]
    lines, alarm = [], False
    for place in places:
        if isinstance(place, Instance) and place.read("port") is None:
            # Never deployed (or stopped): nothing runs there, so nothing can be failing.
            lines.append(f"errors {place.name}: nothing running, error rate 0 - OK")
            continue
        name = place.name if isinstance(place, Instance) else f"{HOST}:{place}"
        errors, first = _error_rate_of(name, port_of(place), samples)
        rate = errors / samples if samples else 0.0
        bad = rate >= threshold
        alarm = alarm or bad
        lines.append(
            f"errors {name}: {errors}/{samples} failed, error rate {rate:.0%} "
            f"(alarm at >= {threshold:.0%}) - {'ALARM' if bad else 'OK'}"
            + (f"; first error: {first}" if first else "")
        )
    if not lines:
        lines.append(f"errors {os.environ.get('CAPTAIN_STAGE')}: nothing running - OK")
    if alarm:
        raise Failure("\n".join(lines))
    return "\n".join(lines)


COMMANDS = {
    "deploy": deploy,
    "preview": preview,
    "unpreview": unpreview,
    "stop-all": stop_all,
    "health": health,
    "integration": integration,
    "load": load,
    "error-rate": error_rate,
}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        print(f"usage: service_ctl.py {{{','.join(COMMANDS)}}} [ARGS...]", file=sys.stderr)
        return 2
    try:
        print(COMMANDS[argv[0]](argv[1:]), flush=True)
    except Usage as error:
        print(f"{argv[0]}: {error}", file=sys.stderr)
        return 2
    except Failure as error:
        print(f"{argv[0]}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Provides the HTTP service: `/health`, `/version` and a one-line greeting on `/`.

It binds 127.0.0.1 only. The version and commit come from `build_info.json`, which the
build bakes into the zipapp; run from a source checkout it reports version `dev`.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import signal
import sys
import time
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources

from app import behaviour

HOST = "127.0.0.1"
#: Exit status when the port is already taken, so a deploy knows to pick another one.
EXIT_PORT_IN_USE = 98


def build_info() -> dict[str, str]:
    """The version and commit baked in by the build, or `dev` values from a source checkout."""
    try:
        text = resources.files("app").joinpath("build_info.json").read_text("utf-8")
        info = json.loads(text)
    except (OSError, ValueError):
        info = {}
    return {
        "version": str(info.get("version", "dev")),
        "commit": str(info.get("commit", "unknown")),
        "built_at": str(info.get("built_at", "")),
    }


def health_fails(stage: str, target: str, fail_in: list[str] | None = None) -> bool:
    """True when `behaviour.FAIL_HEALTH_IN` (or `fail_in`) names this target or stage/target."""
    names = behaviour.FAIL_HEALTH_IN if fail_in is None else fail_in
    return target in names or f"{stage}/{target}" in names


@dataclass(frozen=True, slots=True, kw_only=True)
class Identity:
    """What this process is: the build it runs and where it runs it."""

    version: str
    commit: str
    built_at: str
    stage: str
    target: str
    onebox: bool
    pid: int
    started_at: float


class Handler(BaseHTTPRequestHandler):
    """Answers the three endpoints; everything else is a 404."""

    server_version = "sample-service"
    server: Service

    def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches to
        me = self.server.identity
        path = self.path.split("?", 1)[0]
        if path == "/health":
            if self.server.failing:
                error = f"health forced to fail in {me.stage}/{me.target} (app/behaviour.py)"
                self._reply(500, {"ok": False, "error": error})
            else:
                self._reply(200, {"ok": True, "status": "ok"})
        elif path == "/version":
            self._reply(200, asdict(me))
        elif path == "/":
            where = f"{me.stage}/{me.target}" + (" (onebox)" if me.onebox else "")
            self._reply(200, f"hello from sample-service {me.version} in {where}\n")
        else:
            self._reply(404, {"ok": False, "error": f"no such path: {path}"})

    def _reply(self, status: int, body: dict | str) -> None:
        if isinstance(body, str):
            data, kind = body.encode(), "text/plain; charset=utf-8"
        else:
            data, kind = (json.dumps(body) + "\n").encode(), "application/json"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - base signature
        if self.server.quiet:
            return
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
        sys.stderr.write(f"{stamp} {self.address_string()} {format % args}\n")


class Service(ThreadingHTTPServer):
    """The HTTP server, carrying the identity it reports."""

    daemon_threads = True
    #: True silences the request log (tests).
    quiet = False

    def __init__(self, port: int, identity: Identity) -> None:
        super().__init__((HOST, port), Handler)
        self.identity = identity
        self.failing = health_fails(identity.stage, identity.target)


def make_service(port: int, *, stage: str, target: str, onebox: bool) -> Service:
    """A bound, not yet serving, service on 127.0.0.1:`port` (0 picks a free port)."""
    info = build_info()
    identity = Identity(
        version=info["version"],
        commit=info["commit"],
        built_at=info["built_at"],
        stage=stage,
        target=target,
        onebox=onebox,
        pid=os.getpid(),
        started_at=time.time(),
    )
    return Service(port, identity)


def _stop(signum: int, frame: object) -> None:
    raise SystemExit(0)


def main(argv: list[str] | None = None) -> int:
    """Serves until SIGTERM or Ctrl-C."""
    parser = argparse.ArgumentParser(prog="sample-service", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free one)")
    parser.add_argument("--stage", default=os.environ.get("CAPTAIN_STAGE", "local"))
    parser.add_argument("--target", default=os.environ.get("CAPTAIN_TARGET", "local"))
    parser.add_argument(
        "--onebox", default=os.environ.get("CAPTAIN_ONEBOX", "0"), choices=["0", "1"]
    )
    # Only a marker: lets deploy and stop-all find the processes of an instance folder.
    parser.add_argument("--instance-dir", default="")
    args = parser.parse_args(argv)
    try:
        service = make_service(
            args.port, stage=args.stage, target=args.target, onebox=args.onebox == "1"
        )
    except OSError as error:
        print(
            f"sample-service: cannot listen on {HOST}:{args.port}: {error.strerror}",
            file=sys.stderr,
        )
        return EXIT_PORT_IN_USE if error.errno == errno.EADDRINUSE else 1
    signal.signal(signal.SIGTERM, _stop)
    me = service.identity
    port = service.server_address[1]
    note = " (health forced to fail here)" if service.failing else ""
    print(
        f"sample-service {me.version} ({me.commit[:12]}) serving {me.stage}/{me.target}"
        f"{' onebox' if me.onebox else ''} on http://{HOST}:{port}{note}",
        file=sys.stderr,
        flush=True,
    )
    try:
        service.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        service.server_close()
    return 0

"""Provides evaluating a monitor once: OK or ALARM, with its output (rules R4, R9).

An `http` monitor is a GET of its rendered URL: OK when the status is `expect_status`
and the answer came within `max_latency`. A `run` monitor is a command: OK when it
exits 0. Placeholders (`{stage}`, `{target}`, `{version}`, `{onebox}`, `{vars.NAME}`)
are replaced with pipeline-defined values only, never with text from git; in a `run`
command each value is shell-quoted, so it is one word carrying its text verbatim.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from pathlib import Path

from msgspec import Struct

from release_captain.config import render_template
from release_captain.config.model import Monitor, Pipeline, Stage
from release_captain.config.placeholders import template_fields
from release_captain.runtime.environment import command_env
from release_captain.runtime.shell import Runner
from release_captain.store.database import private_file
from release_captain.wording import version_name


class MonitorResult(Struct, frozen=True, kw_only=True):
    """One evaluation of one monitor."""

    monitor: str
    ok: bool
    #: A short account: the HTTP status and latency, or the command's last line.
    output: str


class Where(Struct, frozen=True, kw_only=True):
    """What a monitor evaluation is about: a version on a target (or its onebox)."""

    stage: Stage
    target: str
    version: int | None
    onebox: bool
    commits: Mapping[str, str]


def per_target(monitor: Monitor, stage: Stage) -> bool:
    """True when the monitor's text names something of one target — `{target}`,
    `{onebox}`, or a `{vars.NAME}` whose value differs between the stage's targets — so
    the alarm gate evaluates it for each target that runs a version; any other monitor
    is about the stage and is evaluated once, even before its first deployment (R4)."""
    for field in template_fields(monitor.http or monitor.run or ""):
        if field in ("target", "onebox"):
            return True
        name = field.removeprefix("vars.")
        if field != name and len({dict(t.vars).get(name) for t in stage.targets}) > 1:
            return True
    return False


class MonitorEvaluator:
    """Evaluates monitors for bakes and for the alarm gate."""

    def __init__(self, *, pipeline: Pipeline, runner: Runner, base_env: Mapping[str, str]) -> None:
        self._pipeline = pipeline
        self._runner = runner
        self._base_env = dict(base_env)

    def evaluate(self, monitor: Monitor, where: Where, *, log: Path) -> MonitorResult:
        """Evaluate `monitor` once for `where`; its output is appended to `log`."""
        target = where.stage.target(where.target)
        text = render_template(
            monitor.http or monitor.run or "",
            stage=where.stage.name,
            target=where.target,
            version=version_name(where.version) if where.version else "",
            onebox=where.onebox,
            vars=target.vars if target else (),
            quote=monitor.kind != "http",
        )
        if monitor.kind == "http":
            result = self._http(monitor, text)
            _append(
                log, f"# monitor {monitor.name}: {'OK' if result.ok else 'ALARM'} {result.output}"
            )
            return result
        return self._run(monitor, text, where, log)

    def _http(self, monitor: Monitor, url: str) -> MonitorResult:
        import httpx

        started = time.perf_counter()
        try:
            response = httpx.get(url, timeout=monitor.timeout, follow_redirects=False)
        except httpx.HTTPError as error:
            return MonitorResult(
                monitor=monitor.name, ok=False, output=f"GET {url} failed: {error}"
            )
        latency = time.perf_counter() - started
        account = f"GET {url} -> {response.status_code} in {latency * 1000:.0f}ms"
        if response.status_code != monitor.expect_status:
            return MonitorResult(
                monitor=monitor.name,
                ok=False,
                output=f"{account} (expected {monitor.expect_status})",
            )
        if latency > monitor.max_latency:
            return MonitorResult(
                monitor=monitor.name,
                ok=False,
                output=f"{account} (slower than {monitor.max_latency * 1000:.0f}ms)",
            )
        return MonitorResult(monitor=monitor.name, ok=True, output=account)

    def _run(self, monitor: Monitor, command: str, where: Where, log: Path) -> MonitorResult:
        target = where.stage.target(where.target)
        env = command_env(
            self._base_env,
            pipeline=self._pipeline.name,
            action="monitor",
            version=version_name(where.version) if where.version else "",
            commits=where.commits,
            primary=self._pipeline.primary.name,
            artefacts=self._pipeline.state_dir
            / "artefacts"
            / "versions"
            / (version_name(where.version) if where.version else "none"),
            state_dir=self._pipeline.state_dir,
            pipeline_dir=self._pipeline.root,
            stage=where.stage.name,
            target=where.target,
            onebox=where.onebox,
            vars=target.vars if target else (),
        )
        os.close(private_file(log))  # made 0600 here; the runner appends to it
        start = log.stat().st_size
        result = self._runner.run(
            command, cwd=self._pipeline.root, env=env, timeout=monitor.timeout, log=log
        )
        printed = _last_output_line(log, start)
        output = printed or result.describe()
        if printed and not result.ok:
            output = f"{printed} ({result.describe()})"
        return MonitorResult(monitor=monitor.name, ok=result.ok, output=output)


def _append(log: Path, line: str) -> None:
    with os.fdopen(private_file(log), "a") as handle:
        handle.write(line + "\n")


def _last_output_line(log: Path, start: int) -> str:
    """The last line the command itself printed (not the runner's `#`/`$` lines)."""
    try:
        with open(log, "rb") as handle:
            handle.seek(start)
            text = handle.read().decode(errors="replace")
    except OSError:
        return ""
    lines = [
        line.strip()
        for line in text.splitlines()
        if line.strip() and not line.startswith(("$ ", "# "))
    ]
    return lines[-1][:300] if lines else ""

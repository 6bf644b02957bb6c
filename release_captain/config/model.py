"""Provides the typed, immutable pipeline that `pipeline.toml` becomes (SPEC §3).

Everything here is already validated, merged with `[defaults]` and expanded (waves become
stages `NAME-wave-N`), so the engine and the runtime never look at raw TOML. Durations
are float seconds. Paths are absolute.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from pathlib import Path
from typing import Literal

from msgspec import Struct, field

Promotion = Literal["automatic", "manual"]
ApprovalKind = Literal["run", "bake", "wait", "manual"]
MonitorKind = Literal["http", "run"]

#: Variables as sorted (name, value) pairs: hashable and ordered, unlike a dict.
Vars = tuple[tuple[str, str], ...]


class Source(Struct, frozen=True, kw_only=True):
    """A watched repository and branch; a version is a combination of the sources' heads."""

    name: str
    #: The `repo` text as written: a local path or a git URL.
    repo: str
    branch: str
    #: How often a URL source is fetched (local sources are also watched for changes).
    poll: float
    #: True when `repo` is a URL that is cloned into `mirrors/` and fetched.
    is_url: bool
    #: The local repository: the resolved path, or the mirror folder for a URL source.
    path: Path


class Build(Struct, frozen=True, kw_only=True):
    """How one version becomes artefacts: checks, then commands, then globs (rule R2)."""

    checks: tuple[str, ...] = ()
    run: tuple[str, ...] = ()
    #: Globs relative to `$CAPTAIN_OUT`; empty means deploys use the commit alone.
    artefacts: tuple[str, ...] = ()
    timeout: float = 600.0


class Approval(Struct, frozen=True, kw_only=True):
    """What must pass after a deployment before the version counts as good there.

    Exactly one kind: `run` a command, `bake` monitors for a duration, `wait` a fixed
    duration, or `manual` a person's sign-off.
    """

    name: str
    kind: ApprovalKind
    #: The command of a `run` approval.
    run: str | None = None
    #: The time limit of a `run` approval's command.
    timeout: float = 300.0
    #: The duration of a `bake` or a `wait`.
    duration: float = 0.0
    #: Monitor names evaluated by a `bake`.
    monitors: tuple[str, ...] = ()
    #: Seconds between two evaluations of each monitor in a `bake`.
    interval: float = 30.0
    #: Evaluations of each monitor a `bake` needs before it may pass.
    min_checks: int = 1
    #: A `run` approval that first tests rollback (SPEC §11): the last good version is
    #: redeployed and checked, then the new one deployed again and checked.
    rollback_check: bool = False


class Target(Struct, frozen=True, kw_only=True):
    """One deployable environment inside a stage, usually a region."""

    name: str
    #: Stage vars merged with the target's own (the target's win).
    vars: Vars = ()


class Onebox(Struct, frozen=True, kw_only=True):
    """A first, small deployment inside each target, verified before the full one."""

    approvals: tuple[Approval, ...] = ()


class Stage(Struct, frozen=True, kw_only=True):
    """A step of the pipeline after wave expansion, with every default merged in."""

    name: str
    targets: tuple[Target, ...]
    #: The command that deploys `$CAPTAIN_ARTEFACTS` to `$CAPTAIN_STAGE/$CAPTAIN_TARGET`.
    deploy: str
    #: The time limit of the deploy command (and the default of `run` approvals).
    timeout: float = 300.0
    #: Whether a failed target is redeployed with its last good version (rule R7).
    rollback: bool = True
    promotion: Promotion = "automatic"
    approvals: tuple[Approval, ...] = ()
    onebox: Onebox | None = None
    #: Fixed bake after every target succeeded, before the version passes (rule R6).
    bake_after: float = 0.0
    blockers: tuple[str, ...] = ()
    #: Monitors that hold the stage while in ALARM, checked just before entry (R4).
    block_on_alarm: tuple[str, ...] = ()
    #: The `[[stages]]` name this stage came from (`prod` for `prod-wave-2`).
    group: str = ""
    #: 1-based wave number for stages expanded from `waves`, else None.
    wave: int | None = None
    #: Number of waves of the group (0 when the stage has no waves).
    waves: int = 0

    def target(self, name: str) -> Target | None:
        """The target called `name`, or None."""
        return next((t for t in self.targets if t.name == name), None)


class Monitor(Struct, frozen=True, kw_only=True):
    """A check evaluated repeatedly during a bake; each evaluation is OK or ALARM."""

    name: str
    kind: MonitorKind
    #: The URL template of an `http` monitor (placeholders not yet replaced).
    http: str | None = None
    expect_status: int = 200
    max_latency: float = 5.0
    #: The command template of a `run` monitor (placeholders not yet replaced).
    run: str | None = None
    #: The time limit of one evaluation.
    timeout: float = 10.0


class Preview(Struct, frozen=True, kw_only=True):
    """Preview environments (SPEC §11): a branch's head built with `[build]` and deployed
    on its own, apart from the mainline's versions and stages."""

    deploy: str
    teardown: str | None = None
    #: Globs of the branches `captain preview` accepts (never the mainline).
    branches: tuple[str, ...] = ("*",)
    #: Globs of the branches a running engine keeps previewed and tears down when deleted.
    watch: tuple[str, ...] = ()
    #: The time limit of the deploy and the teardown (the deploy default of `[defaults]`).
    timeout: float = 300.0


class Blocker(Struct, frozen=True, kw_only=True):
    """A named time window that stops automatic promotion."""

    name: str
    #: A `holidays` calendar: `GB` or `GB-ENG` (country, optional subdivision).
    holidays: str | None = None
    #: Dates (`2026-12-25`), inclusive ranges (`a..b`) or weekday windows, as written.
    deny: tuple[str, ...] = ()
    #: Windows outside which the blocker is active, as written (`Mon-Fri 09:00-17:00`).
    allow: tuple[str, ...] = ()
    #: IANA time zone the windows and dates are read in.
    timezone: str = "UTC"


class Notify(Struct, frozen=True, kw_only=True):
    """A command run once for each recorded event whose kind matches one of its globs."""

    #: Glob patterns over event kinds: "rollback.*", "approval.waiting".
    on: tuple[str, ...]
    run: str
    #: Its time limit in seconds: a slow notification never holds the pipeline.
    timeout: float = 30.0

    def wants(self, kind: str) -> bool:
        """Whether an event of `kind` is notified. A `notify.failed` never is: a failing
        command notified of its own failure would fail again, without end."""
        return kind != "notify.failed" and any(fnmatchcase(kind, p) for p in self.on)


class Pipeline(Struct, frozen=True, kw_only=True):
    """The whole validated pipeline."""

    name: str
    #: The pipeline file itself.
    path: Path
    #: The folder of the pipeline file; commands other than builds run here.
    root: Path
    state_dir: Path
    max_parallel: int = 16
    sources: tuple[Source, ...] = ()
    build: Build = field(default_factory=Build)
    stages: tuple[Stage, ...] = ()
    monitors: tuple[Monitor, ...] = ()
    blockers: tuple[Blocker, ...] = ()
    #: `[preview]`, or None when the pipeline has no preview environments.
    preview: Preview | None = None
    #: The `[[notify]]` entries, in the order written (their index names them).
    notify: tuple[Notify, ...] = ()

    def stage(self, name: str) -> Stage | None:
        """The stage called `name`, or None."""
        return next((s for s in self.stages if s.name == name), None)

    def stage_index(self, name: str) -> int:
        """The position of stage `name` in the pipeline (0 for the first stage)."""
        return next(i for i, s in enumerate(self.stages) if s.name == name)

    def monitor(self, name: str) -> Monitor | None:
        """The monitor called `name`, or None."""
        return next((m for m in self.monitors if m.name == name), None)

    def blocker(self, name: str) -> Blocker | None:
        """The blocker called `name`, or None."""
        return next((b for b in self.blockers if b.name == name), None)

    @property
    def primary(self) -> Source:
        """The first source: builds run in its clean checkout."""
        return self.sources[0]

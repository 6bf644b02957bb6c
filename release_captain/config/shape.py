"""Provides the shape of pipeline.toml: every table, its keys, their types and meaning.

This is the one list of what may be written where. The reader (`reader.Table`) refuses
any key a table's shape does not declare and takes each key's bounds from here, and
`captain schema` turns the same definitions into a JSON Schema for editors, so the two
cannot disagree about which keys exist or what type each one holds. What needs more
than a type (a blocker's windows, references between tables, placeholders) stays with
the modules that read each section.
"""

from __future__ import annotations

import re
from typing import get_args

from msgspec import Struct

from release_captain.config.model import Promotion

#: Stage, target, monitor, blocker, source and approval names.
NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]*")
#: The most commands a pipeline may run at once (each is a process and a thread).
MAX_PARALLEL = 1000
#: The most evaluations a bake may require of each monitor (a million is already
#: eleven days of checks a second).
MAX_CHECKS = 1_000_000
PROMOTIONS: tuple[Promotion, ...] = get_args(Promotion)


class Text(Struct, frozen=True):
    """A string that is not blank."""


class Name(Struct, frozen=True):
    """A string matching `NAME_PATTERN`."""


class Integer(Struct, frozen=True):
    """An integer from `minimum` to `maximum`."""

    minimum: int
    maximum: int


class Flag(Struct, frozen=True):
    """true or false; `only` when a single one of them means anything (`manual = true`)."""

    only: bool | None = None


class Duration(Struct, frozen=True):
    """A duration (`durations.parse_duration`); `positive` refuses zero."""

    positive: bool = False


class Choice(Struct, frozen=True):
    """One of a few strings."""

    options: tuple[str, ...]


class Variables(Struct, frozen=True):
    """A table of variables: any name (`VAR_NAME`) to a string, number or boolean."""


class Sub(Struct, frozen=True):
    """A table of the given shape; `or_false` also allows `false` (a stage's `onebox`)."""

    shape: Shape
    or_false: bool = False


class Named(Struct, frozen=True):
    """Tables `[section.NAME]` of one shape, keyed by their names."""

    shape: Shape


class ListOf(Struct, frozen=True):
    """A list whose items are all `item`, at least `min_items` of them."""

    item: Value
    min_items: int = 0


class AnyOf(Struct, frozen=True):
    """Any one of a few kinds of value (a target: a name or a table)."""

    options: tuple[Value, ...]


Value = Text | Name | Integer | Flag | Duration | Choice | Variables | Sub | Named | ListOf | AnyOf


class Key(Struct, frozen=True):
    """One key of a table: its value, a one-line description, and whether it is required."""

    name: str
    value: Value
    doc: str
    required: bool = False


class Variant(Struct, frozen=True):
    """One kind of a table that is exactly one of several: the key that names the kind,
    the keys only this kind allows, and those of them it requires."""

    key: str
    keys: tuple[str, ...] = ()
    required: tuple[str, ...] = ()


class Shape(Struct, frozen=True, kw_only=True):
    """One table of pipeline.toml."""

    #: What the table is called in `$defs` of the schema.
    id: str
    doc: str
    keys: tuple[Key, ...]
    #: When set, exactly one of these kinds is written.
    variants: tuple[Variant, ...] = ()
    #: How problems name the table's kinds: "interval is only for bake approvals".
    noun: str = ""
    #: When set, at least one of these keys is written.
    at_least_one: tuple[str, ...] = ()

    def value(self, key: str) -> Value:
        """The declared value of `key`; a KeyError means the reader asks for a key this
        shape does not declare, which is a mistake in the code, not in the file."""
        for declared in self.keys:
            if declared.name == key:
                return declared.value
        raise KeyError(f"{key!r} is not a key of the {self.id} table in config/shape.py")

    def valid_keys(self, variant: str | None = None) -> tuple[str, ...]:
        """The keys this table may hold: all of them, or those of one kind only."""
        if variant is None:
            return tuple(key.name for key in self.keys)
        others = {key for v in self.variants if v.key != variant for key in v.keys}
        own = next(v for v in self.variants if v.key == variant).keys
        return tuple(key.name for key in self.keys if key.name not in others or key.name in own)

    def owner(self, key: str) -> str | None:
        """The kind whose own key `key` is, or None when it is not a kind's own key."""
        return next((v.key for v in self.variants if key in v.keys), None)


_POSITIVE = Duration(positive=True)
_TEXTS = ListOf(Text())

PIPELINE = Shape(
    id="pipeline",
    doc="The pipeline itself.",
    keys=(
        Key("name", Name(), "The pipeline's name.", required=True),
        Key(
            "state_dir",
            Text(),
            'Database, artefacts and logs, relative to this file; default ".captain".',
        ),
        Key(
            "max_parallel",
            Integer(1, MAX_PARALLEL),
            "Commands running at once, across the pipeline; default 16.",
        ),
    ),
)
SOURCE = Shape(
    id="source",
    doc="A git repository and branch that is watched; a version combines every source's head.",
    keys=(
        Key(
            "name",
            Name(),
            "The source's name (its commit reaches commands as $CAPTAIN_COMMIT_<NAME>).",
            required=True,
        ),
        Key(
            "repo",
            Text(),
            "A local path (relative to this file) or a git URL, cloned into the state dir.",
            required=True,
        ),
        Key("branch", Text(), 'The branch that is watched; default "main".'),
        Key("poll", _POSITIVE, 'How often a URL source is fetched; default "2s".'),
    ),
)
BUILD = Shape(
    id="build",
    doc="How each new version becomes artefacts: checks, then commands, then globs.",
    keys=(
        Key("checks", _TEXTS, "Static checks, run first; any failure fails the build."),
        Key(
            "run", _TEXTS, "Build commands, run in order with $CAPTAIN_OUT to write artefacts into."
        ),
        Key(
            "artefacts",
            _TEXTS,
            "Globs relative to $CAPTAIN_OUT; may be empty (deploys then use the commit).",
        ),
        Key("timeout", _POSITIVE, 'The time limit of each build command; default "10m".'),
    ),
)
APPROVAL = Shape(
    id="approval",
    doc="What must pass after a deployment: exactly one of run, bake, wait or manual.",
    keys=(
        Key("name", Name(), "The approval's name, unique within its list.", required=True),
        Key("run", Text(), "A command that must exit 0."),
        Key(
            "timeout", _POSITIVE, "The time limit of the run command; default the stage's timeout."
        ),
        Key(
            "bake", Duration(), "How long the monitors are evaluated; every evaluation must be OK."
        ),
        Key(
            "monitors",
            ListOf(Text(), min_items=1),
            "Monitors the bake evaluates (names under [monitors]).",
        ),
        Key("interval", _POSITIVE, 'Time between two evaluations of each monitor; default "30s".'),
        Key(
            "min_checks",
            Integer(1, MAX_CHECKS),
            "Evaluations of each monitor the bake needs; default 1.",
        ),
        Key(
            "rollback_check",
            Flag(),
            "With run: test rollback first (redeploy the last good version, run, deploy "
            "the new version again, run); default false.",
        ),
        Key("wait", Duration(), "A fixed wait."),
        Key(
            "manual", Flag(only=True), "A person's sign-off (captain approve); write manual = true."
        ),
    ),
    variants=(
        Variant("run", ("timeout", "rollback_check")),
        Variant("bake", ("monitors", "interval", "min_checks"), required=("monitors",)),
        Variant("wait"),
        Variant("manual"),
    ),
    noun="approvals",
)
ONEBOX = Shape(
    id="onebox",
    doc="A first, small deployment inside each target, verified before the full one.",
    keys=(Key("approvals", ListOf(Sub(APPROVAL)), "What must pass on the onebox."),),
)
TARGET = Shape(
    id="target",
    doc="One deployable environment of a stage, with its own variables.",
    keys=(
        Key("name", Name(), "The target's name, unique within the stage.", required=True),
        Key("vars", Variables(), "Variables of this target, over the stage's."),
    ),
)
_TARGET = AnyOf((Name(), Sub(TARGET)))
_SETTINGS = (
    Key(
        "deploy",
        Text(),
        "The command that deploys $CAPTAIN_ARTEFACTS to $CAPTAIN_STAGE/$CAPTAIN_TARGET.",
    ),
    Key(
        "timeout", _POSITIVE, 'The time limit of the deploy and of each run approval; default "5m".'
    ),
    Key("rollback", Flag(), "Redeploy a failed target with its last good version; default true."),
    Key(
        "promotion",
        Choice(PROMOTIONS),
        '"automatic" (default) or "manual": a person approves each entry.',
    ),
    Key("wave_promotion", Choice(PROMOTIONS), "The promotion of every wave after the first."),
    Key("approvals", ListOf(Sub(APPROVAL)), "What must pass after each deployment."),
    Key("onebox", Sub(ONEBOX, or_false=True), "A onebox deployment first, or false for none."),
    Key(
        "bake_after",
        Duration(),
        "A fixed bake after every target passed, before the version moves on.",
    ),
    Key("blockers", _TEXTS, "Blockers (names under [blockers]) that stop automatic promotion."),
    Key(
        "block_on_alarm",
        _TEXTS,
        "Monitors (names under [monitors]) that hold the stage while in ALARM.",
    ),
    Key("vars", Variables(), "Variables of every target, read by commands as $CAPTAIN_VAR_<NAME>."),
)
DEFAULTS = Shape(
    id="defaults",
    doc="What every stage inherits unless it sets its own.",
    keys=_SETTINGS,
)
STAGE = Shape(
    id="stage",
    doc="A step of the pipeline: targets (or waves of targets) and what runs there.",
    keys=(
        Key(
            "name",
            Name(),
            "The stage's name; waves become NAME-wave-1, NAME-wave-2, …",
            required=True,
        ),
        Key("targets", ListOf(_TARGET, min_items=1), "The targets, deployed in parallel."),
        Key(
            "waves",
            ListOf(ListOf(_TARGET, min_items=1), min_items=1),
            "Lists of targets, one stage per wave.",
        ),
        *_SETTINGS,
    ),
    variants=(Variant("targets"), Variant("waves")),
    noun="stages",
)
MONITOR = Shape(
    id="monitor",
    doc="A check evaluated during a bake: exactly one of http or run.",
    keys=(
        Key("http", Text(), "A URL template; OK when it answers expect_status within max_latency."),
        Key("run", Text(), "A command template; OK when it exits 0."),
        Key("timeout", _POSITIVE, 'The time limit of one evaluation; default "10s".'),
        Key("expect_status", Integer(100, 599), "The HTTP status that is OK; default 200."),
        Key("max_latency", _POSITIVE, 'The slowest answer that is OK; default "5s".'),
    ),
    variants=(Variant("http", ("expect_status", "max_latency")), Variant("run")),
    noun="monitors",
)
BLOCKER = Shape(
    id="blocker",
    doc="A time window that stops automatic promotion.",
    keys=(
        Key("holidays", Text(), 'A calendar of the holidays package: "GB" or "GB-ENG".'),
        Key(
            "deny", _TEXTS, 'Dates "2026-12-25", ranges "2026-12-24..2027-01-02" or weekly windows.'
        ),
        Key(
            "allow",
            _TEXTS,
            'Weekly windows outside which the blocker is active: "Mon-Fri 09:00-17:00".',
        ),
        Key("timezone", Text(), 'The IANA time zone of the dates and windows; default "UTC".'),
    ),
    at_least_one=("holidays", "deny", "allow"),
)
PREVIEW = Shape(
    id="preview",
    doc="Preview environments: a branch's head built and deployed apart (captain preview).",
    keys=(
        Key(
            "deploy",
            Text(),
            "The command that deploys $CAPTAIN_ARTEFACTS as the preview $CAPTAIN_PREVIEW.",
            required=True,
        ),
        Key("teardown", Text(), "The command that removes the preview $CAPTAIN_PREVIEW."),
        Key(
            "branches",
            _TEXTS,
            'Globs of the branches that may have a preview; default ["*"], never the mainline.',
        ),
        Key(
            "watch",
            _TEXTS,
            "Globs of the branches a running engine keeps previewed; default none.",
        ),
    ),
)

NOTIFY = Shape(
    id="notify",
    doc="A command run once for each recorded event whose kind matches one of its globs.",
    keys=(
        Key(
            "on",
            ListOf(Text(), min_items=1),
            'Event kinds, as glob patterns: "rollback.*", "approval.waiting", "stage.passed".',
            required=True,
        ),
        Key("run", Text(), "The command; the event is on its stdin as JSON.", required=True),
        Key("timeout", _POSITIVE, 'The time limit of the command; default "30s".'),
    ),
)
FILE = Shape(
    id="file",
    doc="A release-captain pipeline.",
    keys=(
        Key("pipeline", Sub(PIPELINE), "The pipeline itself.", required=True),
        Key(
            "sources",
            ListOf(Sub(SOURCE), min_items=1),
            "The watched repositories ([[sources]]).",
            required=True,
        ),
        Key("build", Sub(BUILD), "How each version is built."),
        Key("defaults", Sub(DEFAULTS), "What every stage inherits."),
        Key(
            "stages",
            ListOf(Sub(STAGE), min_items=1),
            "The stages, in order ([[stages]]).",
            required=True,
        ),
        Key("monitors", Named(MONITOR), "Monitors by name ([monitors.NAME])."),
        Key("blockers", Named(BLOCKER), "Blockers by name ([blockers.NAME])."),
        Key("preview", Sub(PREVIEW), "Preview environments of branches ([preview])."),
        Key("notify", ListOf(Sub(NOTIFY)), "Commands run on recorded events ([[notify]])."),
    ),
)
#: The top-level keys of pipeline.toml.
SECTIONS = FILE.valid_keys()

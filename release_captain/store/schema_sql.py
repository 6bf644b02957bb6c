"""Provides the schema's SQL, migration by migration, and the migrations' names, read
without importing sqlite-utils.

`schema.py` registers the migrations with sqlite-utils' `Migrations`, which creates
and migrates every database; `database.py` reads the names to see whether anything is
pending (or was written by a newer captain) before it imports sqlite-utils.
"""

from __future__ import annotations

#: The migration set of `store.schema.migrations`.
MIGRATION_SET = "release_captain"

_TABLES_V1 = [
    """CREATE TABLE versions (
        number INTEGER PRIMARY KEY,
        created_at REAL NOT NULL,
        commit_sha TEXT NOT NULL,
        author TEXT NOT NULL DEFAULT '',
        message TEXT NOT NULL DEFAULT '',
        build TEXT NOT NULL DEFAULT 'pending',
        build_started_at REAL,
        build_finished_at REAL,
        build_detail TEXT NOT NULL DEFAULT '',
        build_log TEXT NOT NULL DEFAULT '',
        build_attempts INTEGER NOT NULL DEFAULT 0
    )""",
    "CREATE INDEX versions_build ON versions (build)",
    """CREATE TABLE version_sources (
        version INTEGER NOT NULL REFERENCES versions(number),
        source TEXT NOT NULL,
        commit_sha TEXT NOT NULL,
        PRIMARY KEY (version, source)
    )""",
    """CREATE TABLE version_commits (
        version INTEGER NOT NULL REFERENCES versions(number),
        source TEXT NOT NULL,
        commit_sha TEXT NOT NULL,
        author TEXT NOT NULL DEFAULT '',
        summary TEXT NOT NULL DEFAULT '',
        committed_at REAL
    )""",
    "CREATE INDEX version_commits_sha ON version_commits (commit_sha)",
    "CREATE INDEX version_commits_version ON version_commits (version)",
    """CREATE TABLE artefacts (
        version INTEGER NOT NULL REFERENCES versions(number),
        name TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        PRIMARY KEY (version, name)
    )""",
    """CREATE TABLE stage_versions (
        stage TEXT NOT NULL,
        version INTEGER NOT NULL REFERENCES versions(number),
        state TEXT NOT NULL,
        entered_at REAL,
        finished_at REAL,
        reason TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (stage, version)
    )""",
    "CREATE INDEX stage_versions_state ON stage_versions (state)",
    "CREATE INDEX stage_versions_version ON stage_versions (version)",
    """CREATE TABLE deployments (
        stage TEXT NOT NULL,
        target TEXT NOT NULL,
        version INTEGER NOT NULL REFERENCES versions(number),
        state TEXT NOT NULL,
        started_at REAL NOT NULL,
        finished_at REAL,
        detail TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (stage, target, version)
    )""",
    "CREATE INDEX deployments_state ON deployments (state)",
    """CREATE TABLE steps (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        stage TEXT NOT NULL,
        target TEXT NOT NULL,
        version INTEGER NOT NULL REFERENCES versions(number),
        idx INTEGER NOT NULL,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        onebox INTEGER NOT NULL DEFAULT 0,
        state TEXT NOT NULL,
        attempt INTEGER NOT NULL DEFAULT 1,
        to_version INTEGER,
        started_at REAL NOT NULL,
        finished_at REAL,
        exit_code INTEGER,
        detail TEXT NOT NULL DEFAULT '',
        log TEXT NOT NULL DEFAULT '',
        checks TEXT NOT NULL DEFAULT '[]',
        last_check_at REAL,
        checking INTEGER NOT NULL DEFAULT 0
    )""",
    "CREATE INDEX steps_rollout ON steps (stage, target, version)",
    "CREATE INDEX steps_state ON steps (state)",
    """CREATE TABLE targets (
        stage TEXT NOT NULL,
        target TEXT NOT NULL,
        version INTEGER,
        state TEXT NOT NULL DEFAULT 'idle',
        last_good INTEGER,
        updated_at REAL,
        PRIMARY KEY (stage, target)
    )""",
    """CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at REAL NOT NULL,
        kind TEXT NOT NULL,
        version INTEGER,
        stage TEXT,
        target TEXT,
        actor TEXT NOT NULL DEFAULT 'captain',
        detail TEXT NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX events_stage ON events (stage, target)",
    """CREATE TABLE requests (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at REAL NOT NULL,
        kind TEXT NOT NULL,
        args TEXT NOT NULL DEFAULT '{}',
        actor TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending',
        result TEXT NOT NULL DEFAULT '',
        applied_at REAL
    )""",
    "CREATE INDEX requests_state ON requests (state)",
    """CREATE TABLE controls (
        stage TEXT PRIMARY KEY,
        paused INTEGER NOT NULL DEFAULT 0,
        pause_reason TEXT NOT NULL DEFAULT '',
        promotion TEXT
    )""",
    """CREATE TABLE grants (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        stage TEXT NOT NULL,
        version INTEGER NOT NULL,
        kind TEXT NOT NULL,
        override_blockers INTEGER NOT NULL DEFAULT 0,
        actor TEXT NOT NULL,
        comment TEXT NOT NULL DEFAULT '',
        at REAL NOT NULL
    )""",
    "CREATE INDEX grants_stage ON grants (stage, version)",
    """CREATE TABLE alarm_checks (
        stage TEXT PRIMARY KEY,
        version INTEGER,
        checked_at REAL,
        alarming TEXT NOT NULL DEFAULT '[]',
        running INTEGER NOT NULL DEFAULT 0,
        detail TEXT NOT NULL DEFAULT ''
    )""",
    """CREATE TABLE source_heads (
        source TEXT PRIMARY KEY,
        commit_sha TEXT NOT NULL,
        seen_at REAL NOT NULL
    )""",
]

_INDEXES_V2 = [
    # load_state reads the steps and deployments of each in-flight (stage, version); the
    # first indexes led with (stage, target), so those reads scanned a stage's history.
    "CREATE INDEX steps_stage_version ON steps (stage, version)",
    "CREATE INDEX deployments_stage_version ON deployments (stage, version)",
    "CREATE INDEX grants_version ON grants (version)",
    "CREATE INDEX steps_state_kind ON steps (state, kind)",
]

_PREVIOUS_V4 = [
    # What a target ran before a rollout began, so every step of it, a re-run after a
    # crash included, gets the same CAPTAIN_PREVIOUS_VERSION (rule R10).
    "ALTER TABLE deployments ADD COLUMN previous_version INTEGER",
]

_METRICS_V5 = [
    # `captain metrics` reads what happened within a window of time (SPEC §10): the
    # stage events of it, the rollbacks started in it and the approvals people gave in
    # it, each by its kind and time rather than by a scan of the history.
    "CREATE INDEX events_kind_at ON events (kind, at)",
    "CREATE INDEX steps_kind_started ON steps (kind, started_at)",
    "CREATE INDEX grants_kind_at ON grants (kind, at)",
]

_PREVIEWS_V6 = [
    # SPEC §11: one row per branch with a preview, apart from versions and stages. The
    # row is written before each build and deploy, so one a crash cut off is seen as
    # unfinished (state building or deploying) and done again.
    """CREATE TABLE previews (
        branch TEXT PRIMARY KEY,
        preview TEXT NOT NULL UNIQUE,
        commit_sha TEXT NOT NULL,
        url TEXT,
        state TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT '',
        artefacts TEXT NOT NULL DEFAULT '[]',
        updated_at REAL NOT NULL
    )""",
]

_NOTIFICATIONS_V7 = [
    # One row per notification started: written before its command starts and never
    # started again, so an event is notified at most once even across a crash (SPEC §11).
    "CREATE TABLE notifications (event_id INTEGER NOT NULL, entry INTEGER NOT NULL, "
    "started_at REAL NOT NULL, finished_at REAL, ok INTEGER, detail TEXT NOT NULL DEFAULT '', "
    "log TEXT NOT NULL, PRIMARY KEY (event_id, entry))",
    "CREATE INDEX notifications_running ON notifications (finished_at)",
    # The last event looked at for notifications: events after it are still to be
    # matched. It starts at the newest event, so an upgrade does not notify old history.
    "CREATE TABLE notify_cursor (id INTEGER PRIMARY KEY CHECK (id = 1), "
    "last_event INTEGER NOT NULL)",
    "INSERT INTO notify_cursor (id, last_event) SELECT 1, COALESCE(MAX(id), 0) FROM events",
    # Each version that waited for a person's approval to enter a stage, so its
    # `approval.waiting` is recorded once per wait, not once per pass.
    "CREATE TABLE person_waits (stage TEXT NOT NULL, version INTEGER NOT NULL, "
    "since REAL NOT NULL, PRIMARY KEY (stage, version))",
]

#: The statements of the migrations that are plain SQL, by name.
STATEMENTS: dict[str, tuple[str, ...]] = {
    "0001_initial": tuple(_TABLES_V1),
    "0002_indexes_for_current_state": tuple(_INDEXES_V2),
    "0004_previous_version_of_a_rollout": tuple(_PREVIOUS_V4),
    "0005_indexes_for_metrics": tuple(_METRICS_V5),
    "0006_previews": tuple(_PREVIEWS_V6),
    "0007_notifications": tuple(_NOTIFICATIONS_V7),
}
#: Every migration's name, in the order they apply.
MIGRATIONS = (
    "0001_initial",
    "0002_indexes_for_current_state",
    "0003_last_good_is_computed",
    "0004_previous_version_of_a_rollout",
    "0005_indexes_for_metrics",
    "0006_previews",
    "0007_notifications",
)
#: The schema version this code writes: how many migrations it knows. A database with
#: a migration it does not know was written by a newer captain and is refused.
SCHEMA_VERSION = len(MIGRATIONS)

"""Provides the database schema and its forward migrations (SPEC §8).

sqlite-utils' `Migrations` creates a new database and migrates an older one: each
migration is applied once, in order, inside a transaction, and recorded in its
`_sqlite_migrations` table. Times are REAL seconds since the epoch (UTC); the CLI
renders them as ISO 8601.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

from release_captain.store.schema_sql import MIGRATION_SET, SCHEMA_VERSION, STATEMENTS

__all__ = ["SCHEMA_VERSION", "migrations"]

migrations = Migrations(MIGRATION_SET)


@migrations(name="0001_initial")
def initial(db: Database) -> None:
    """The first schema: versions, builds, artefacts, rollouts, events and requests."""
    for statement in STATEMENTS["0001_initial"]:
        db.execute(statement)


@migrations(name="0002_indexes_for_current_state")
def indexes_for_current_state(db: Database) -> None:
    """Indexes that keep a decision pass flat as history grows (docs/benchmarks.md)."""
    for statement in STATEMENTS["0002_indexes_for_current_state"]:
        db.execute(statement)


@migrations(name="0003_last_good_is_computed")
def last_good_is_computed(db: Database) -> None:
    """A target's last good version is computed from its deployments by the engine
    (one rule for R7, R8 and status), so the recorded copy goes. `transform` rebuilds
    the table, which works on every SQLite, unlike `ALTER TABLE … DROP COLUMN` (3.35+)."""
    db.table("targets").transform(drop={"last_good"})


@migrations(name="0004_previous_version_of_a_rollout")
def previous_version_of_a_rollout(db: Database) -> None:
    """What a target ran before each rollout began (CAPTAIN_PREVIOUS_VERSION)."""
    for statement in STATEMENTS["0004_previous_version_of_a_rollout"]:
        db.execute(statement)


@migrations(name="0005_indexes_for_metrics")
def indexes_for_metrics(db: Database) -> None:
    """Indexes by time, so `captain metrics` reads only its window (SPEC §10)."""
    for statement in STATEMENTS["0005_indexes_for_metrics"]:
        db.execute(statement)


@migrations(name="0006_previews")
def previews(db: Database) -> None:
    """Preview environments of branches (SPEC §11), kept apart from versions."""
    for statement in STATEMENTS["0006_previews"]:
        db.execute(statement)


@migrations(name="0007_notifications")
def notifications(db: Database) -> None:
    """What was notified, so no event is notified twice (SPEC §11)."""
    for statement in STATEMENTS["0007_notifications"]:
        db.execute(statement)

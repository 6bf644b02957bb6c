"""Provides the database schema and its forward migrations (SPEC §8).

Each migration is applied once, in order, inside a transaction, and recorded by
sqlite-utils' `Migrations`; a newer captain migrates an older state directory on start.
Times are REAL seconds since the epoch (UTC); the CLI renders them as ISO 8601.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

from release_captain.store.schema_sql import MIGRATION_SET, STATEMENTS

migrations = Migrations(MIGRATION_SET)

#: The schema version this code writes; `captain` refuses a newer database.
SCHEMA_VERSION = 2


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

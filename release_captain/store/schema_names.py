"""Provides the names of the schema's migrations, without importing sqlite-utils, so
opening a migrated database costs nothing (`tests/store` checks they match schema.py)."""

#: The migration set of `store.schema.migrations`.
MIGRATION_SET = "release_captain"
#: Every migration of that set, in order.
MIGRATIONS = ("0001_initial", "0002_indexes_for_current_state")

"""Provides state directories holding a long history (2,000 or 20,000 versions), built
fast and cached under `benchmarks/.cache/`, keyed by a hash of the schema
(`release_captain/store/schema.py` and `schema_sql.py`), this generator and the
pipeline, so a rerun reuses them and a schema change rebuilds them.

How a store is made, so that every row is one the engine itself wrote:

1. A template: the real reconcile loop (`release_captain.testing.harness`, with the
   fake clock, scripted runner and fake source) takes three versions through the whole
   pipeline, each settled before the next commit. Every row of version 2 is the
   engine's own writing for one version (versions, version_sources, version_commits,
   artefacts, stage_versions, deployments, steps, events).
2. The history: those rows are copied for versions 1…N inside SQLite (`INSERT …
   SELECT` over a table of version numbers), renumbered (version columns, the commit
   SHA, `vN` in log paths and details), times shifted by ten minutes per version, ids
   left to AUTOINCREMENT; `targets` and `source_heads` are set as the engine leaves
   them after version N.
3. A live tail through the real engine again: version N+1 goes through every stage
   (which also checks the engine accepts the generated history), and version N+2 is
   left in flight in the first stage with its deploy steps running, so a decision pass
   has work to look at.

Log files of the generated history are not written (their paths are recorded).
"""

from __future__ import annotations

import hashlib
import inspect
import os
import re
import shutil
import sqlite3
import sys
import time
from pathlib import Path

from benchmarks.common import CACHE, BenchmarkError
from benchmarks.pipelines import Shape

#: Seconds between two versions of the generated history.
PERIOD = 600.0
#: Bump to rebuild every cached store.
GENERATOR = 4

#: Tables whose rows belong to one version, and the column that says which.
_PER_VERSION = {
    "versions": "number",
    "version_sources": "version",
    "version_commits": "version",
    "artefacts": "version",
    "stage_versions": "version",
    "deployments": "version",
    "steps": "version",
    "events": "version",
    "grants": "version",
}
#: Columns left to AUTOINCREMENT when copying.
_AUTO = {"steps": "id", "events": "id", "grants": "id"}


def sha_of(number: int) -> str:
    """The (made-up, git-looking) commit SHA of version `number`."""
    return hashlib.sha1(f"benchmark commit {number}".encode()).hexdigest()


def cache_key(shape: Shape, versions: int) -> str:
    """A hash of what the generated rows depend on: the schema, the generator's version
    (`GENERATOR`: bump it when this file changes the rows) and the pipeline.

    A change to how the store writes rows without a schema change keeps the cache:
    `rm -rf benchmarks/.cache` rebuilds it.
    """
    import release_captain.store.schema as schema
    import release_captain.store.schema_sql as schema_sql

    digest = hashlib.sha256()
    for part in (
        inspect.getsource(schema),
        inspect.getsource(schema_sql),
        shape.toml(),
        str(versions),
        str(GENERATOR),
    ):
        digest.update(part.encode())
    return digest.hexdigest()[:12]


def history_store(shape: Shape, versions: int, *, log: bool = True) -> Path:
    """A project folder (`pipeline.toml`, `.captain/state.db`) with `versions` versions of
    history plus the live tail; built on first use, then taken from the cache."""
    folder = CACHE / f"history-{shape.name}-{versions}-{cache_key(shape, versions)}"
    if (folder / "READY").exists():
        return folder
    started = time.monotonic()
    if log:
        print(
            f"  building a store of {versions} versions (cached afterwards) …",
            file=sys.stderr,
            flush=True,
        )
    CACHE.mkdir(parents=True, exist_ok=True)
    for stale in CACHE.glob(f"history-{shape.name}-{versions}-*"):
        shutil.rmtree(stale, ignore_errors=True)
    building = folder.with_name(folder.name + f".building-{os.getpid()}")
    shutil.rmtree(building, ignore_errors=True)
    try:
        template = building / "template"
        _template(template, shape)
        project = building / "project"
        _bulk(template / ".captain" / "state.db", project, shape, versions, (template, folder))
        shutil.rmtree(template)
        _tail(project, shape, versions)
        _relocate(project, versions, (project, folder))
        (project / "READY").write_text(f"{time.monotonic() - started:.1f} s to build\n")
        project.rename(folder)
    finally:
        shutil.rmtree(building, ignore_errors=True)
    if log:
        print(
            f"  built in {time.monotonic() - started:.1f} s: {folder}", file=sys.stderr, flush=True
        )
    return folder


def _harness(folder: Path, shape: Shape):
    from release_captain.testing import harness

    h = harness(folder, shape.toml(), script={})

    def step(call) -> int:
        # Each command takes a little (fake) time, so rows get distinct, ordered times.
        h.clock.advance(0.05)
        return 0

    h.runner.script["*"] = step
    return h


def _template(folder: Path, shape: Shape) -> None:
    h = _harness(folder, shape)
    for number in (1, 2, 3):
        h.sources["app"].commit_to(sha_of(number), message=f"commit v{number}")
        h.reconciler._sources_dirty = True
        h.settle(max_ticks=500)
        h.clock.advance(PERIOD)
        h.events.clear()
    final = _state(h.store.path, shape.final_stage(), 3)
    h.store.close()
    if final != "passed":
        raise BenchmarkError(f"the template's v3 is {final} in {shape.final_stage()}")


def _state(db: Path, stage: str, version: int) -> str | None:
    conn = sqlite3.connect(db)
    try:
        row = conn.execute(
            "SELECT state FROM stage_versions WHERE stage = ? AND version = ?", (stage, version)
        ).fetchone()
    finally:
        conn.close()
    return row[0] if row else None


_V2 = re.compile(r"(?<![A-Za-z0-9])v2(?![0-9])")
#: Placeholders in template text, replaced per version inside SQLite.
_TOKENS = {"v": "\u27e6v\u27e7", "sha": "\u27e6sha\u27e7", "short": "\u27e6short\u27e7"}


def _pattern(value: str) -> str | None:
    """Template text of version 2 with its version name and SHA as placeholders, or None
    when the text is the same for every version."""
    sha2 = sha_of(2)
    if sha2[:10] not in value and not _V2.search(value):
        return None
    value = value.replace(sha2, _TOKENS["sha"]).replace(sha2[:10], _TOKENS["short"])
    return _V2.sub(_TOKENS["v"], value)


def _bulk(
    template_db: Path, project: Path, shape: Shape, versions: int, move: tuple[Path, Path]
) -> None:
    """Copy version 2's rows for versions 1…N, inside SQLite (`INSERT … SELECT` over a
    table of version numbers), so 20,000 versions take seconds, not minutes."""
    from release_captain.store import Store

    shape.write(project)
    Store(project / ".captain").close()  # the schema and its migration record
    dst = sqlite3.connect(project / ".captain" / "state.db", isolation_level=None)
    try:
        dst.execute("PRAGMA synchronous=OFF")
        dst.execute("ATTACH DATABASE ? AS template", (str(template_db),))
        base = dst.execute("SELECT created_at FROM template.versions WHERE number = 2").fetchone()[
            0
        ]
        start = time.time() - 86_400 - versions * PERIOD
        dst.execute("BEGIN")
        dst.execute("CREATE TEMP TABLE ks (k INTEGER PRIMARY KEY, sha TEXT, off REAL)")
        dst.executemany(
            "INSERT INTO ks VALUES (?, ?, ?)",
            [(k, sha_of(k), start + (k - 1) * PERIOD - base) for k in range(1, versions + 1)],
        )
        at, kind, actor, detail = dst.execute(
            "SELECT at, kind, actor, detail FROM template.events ORDER BY id LIMIT 1"
        ).fetchone()
        dst.execute(
            "INSERT INTO events (at, kind, actor, detail) VALUES (?, ?, ?, ?)",
            (start - 60, kind, actor, detail),
        )
        for table, column in _PER_VERSION.items():
            _copy_table(dst, table, column, move)
        last = start + (versions - 1) * PERIOD + 60
        dst.execute(
            "INSERT INTO targets (stage, target, version, state, updated_at) "
            "SELECT stage, target, ?, state, ? FROM template.targets",
            (versions, last),
        )
        dst.execute(
            "INSERT INTO source_heads (source, commit_sha, seen_at) VALUES ('app', ?, ?)",
            (sha_of(versions), start + (versions - 1) * PERIOD),
        )
        dst.execute("COMMIT")
        dst.execute("DETACH DATABASE template")
        dst.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        dst.close()


def _copy_table(dst: sqlite3.Connection, table: str, column: str, move: tuple[Path, Path]) -> None:
    """Insert version 2's rows of `table` once per version k (from the temp table `ks`):
    version columns become k, times move by k's offset, texts get k's name and SHA, and
    log paths point into the final folder."""
    info = dst.execute(f"PRAGMA template.table_info({table})").fetchall()
    names = [c[1] for c in info if c[1] != _AUTO.get(table)]
    reals = {c[1] for c in info if c[2].upper() == "REAL"}
    order = "id" if table in _AUTO else "rowid"
    rows = dst.execute(
        f"SELECT {', '.join(names)} FROM template.{table} WHERE {column} = 2 ORDER BY {order}"
    ).fetchall()
    if not rows:
        return
    # The template rows, texts turned into patterns, in a temp table with their order.
    old, new = (str(p / ".captain") + "/" for p in move)
    rows = [tuple(v.replace(old, new) if isinstance(v, str) else v for v in row) for row in rows]
    patterned = [
        tuple((_pattern(v) or v) if isinstance(v, str) else v for v in row) for row in rows
    ]
    texts = {
        name
        for i, name in enumerate(names)
        if any(isinstance(row[i], str) and _pattern(row[i]) for row in rows)
    }
    dst.execute(
        f"CREATE TEMP TABLE t_{table} AS SELECT {', '.join(names)} FROM template.{table} WHERE 0"
    )
    dst.executemany(f"INSERT INTO t_{table} VALUES ({', '.join('?' * len(names))})", patterned)
    exprs = []
    for name in names:
        if name in (column, "to_version"):
            exprs.append(f"CASE WHEN t.{name} = 2 THEN ks.k ELSE t.{name} END")
        elif name in reals:
            exprs.append(
                f"CASE WHEN t.{name} IS NULL OR t.{name} = 0 THEN t.{name} "
                f"ELSE t.{name} + ks.off END"
            )
        elif name in texts:
            exprs.append(
                f"replace(replace(replace(t.{name}, '{_TOKENS['v']}', 'v' || ks.k), "
                f"'{_TOKENS['sha']}', ks.sha), '{_TOKENS['short']}', substr(ks.sha, 1, 10))"
            )
        else:
            exprs.append(f"t.{name}")
    # CROSS JOIN keeps ks as the outer loop: rows go in version by version, in the
    # template's order, as the engine would have written them.
    dst.execute(
        f"INSERT INTO {table} ({', '.join(names)}) SELECT {', '.join(exprs)} "
        f"FROM ks CROSS JOIN t_{table} AS t"
    )


def _tail(project: Path, shape: Shape, versions: int) -> None:
    """Versions N+1 (all the way) and N+2 (in flight) through the real engine."""
    h = _harness(project, shape)
    try:
        h.clock.now = time.time() - 3_600
        h.sources["app"].commit_to(sha_of(versions + 1), message=f"commit v{versions + 1}")
        h.reconciler._sources_dirty = True
        h.settle(max_ticks=500)
        final = _state(h.store.path, shape.final_stage(), versions + 1)
        if final != "passed":
            raise BenchmarkError(
                f"the engine did not take v{versions + 1} of the generated history through "
                f"every stage ({shape.final_stage()}: {final})"
            )
        h.clock.advance(PERIOD)
        h.sources["app"].commit_to(sha_of(versions + 2), message=f"commit v{versions + 2}")
        h.reconciler._sources_dirty = True
        h.reconciler.tick()  # detects v(N+2) and builds it
        h.reconciler.tick()  # records the build, enters the first stage, starts deploys
        first = shape.stages[0].name
        if _state(h.store.path, first, versions + 2) != "in-flight":
            raise BenchmarkError(f"v{versions + 2} is not in flight in {first}")
        # Closed without stopping the loop: the deploy steps stay recorded as running,
        # as a running engine's database holds them.
    finally:
        h.store.close()


def _relocate(project: Path, versions: int, move: tuple[Path, Path]) -> None:
    """Point the log paths the tail recorded at the folder the store ends up in."""
    old, new = (str(p / ".captain") + "/" for p in move)
    conn = sqlite3.connect(project / ".captain" / "state.db", isolation_level=None)
    try:
        conn.execute("BEGIN")
        for table, column, number in (
            ("steps", "log", "version"),
            ("versions", "build_log", "number"),
        ):
            conn.execute(
                f"UPDATE {table} SET {column} = replace({column}, ?, ?) WHERE {number} > ?",
                (old, new, versions),
            )
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def copy_project(source: Path, dest: Path) -> Path:
    """A working copy of a generated project: its `pipeline.toml` and database only
    (never the engine's lock or doorbell), so a benchmark may write to it."""
    (dest / ".captain").mkdir(parents=True)
    shutil.copy2(source / "pipeline.toml", dest / "pipeline.toml")
    for db in (source / ".captain").glob("state.db*"):
        shutil.copy2(db, dest / ".captain" / db.name)
    return dest

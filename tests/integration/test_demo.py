"""`captain demo --headless` end to end: the story's versions, the rollback, the fix on
every target, the feature branch's preview deployed and torn down, and no service
process left behind."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

PROJECT = Path(__file__).parent.parent.parent


def service_processes(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if marker in cmdline and "--instance-dir" in cmdline:
                found.append(int(entry.name))
    return found


def test_the_demo_tells_its_story_and_leaves_nothing_running(tmp_path: Path) -> None:
    shutil.copy(PROJECT / "pipeline.toml", tmp_path / "pipeline.toml")
    shutil.copytree(
        PROJECT / "sample-repo",
        tmp_path / "sample-repo",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    # --speed divides every bake, wait, interval and bake_after; at 16 the story is
    # bound by its builds, deploys and checks (a bake still takes min_checks checks, so
    # the bad version alarms at any speed): ~20 s instead of ~45 s at --speed 2
    done = subprocess.run(
        [sys.executable, "-m", "release_captain", "demo", "--headless", "--speed", "16"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env=os.environ | {"PYTHONUNBUFFERED": "1"},
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    assert "The story, version by version" in done.stdout
    # The forecast taken at each build beside when it passed the last stage: v1, v2, v4
    # passed it (`HH:MM:SS  HH:MM:SS  12s late`), v3 never got there.
    assert "the forecast at its build" in done.stdout
    passed = r"\d\d:\d\d:\d\d\s+\d\d:\d\d:\d\d\s+(\d+[sm] (late|early)|on time)"
    assert len(re.findall(passed, done.stdout)) == 3, done.stdout
    assert re.search(
        r"feature/greeting was pushed; its preview runs at http://127\.0\.0\.1:\d+/", done.stdout
    ), done.stdout
    assert "the preview of feature/greeting was torn down" in done.stdout
    db = sqlite3.connect(tmp_path / ".captain" / "state.db")
    previews = db.execute("SELECT kind FROM events WHERE kind LIKE 'preview.%' ORDER BY id")
    assert [k for (k,) in previews] == ["preview.deployed", "preview.down"]
    assert db.execute("SELECT count(*) FROM previews").fetchone() == (0,)
    assert [r[0] for r in db.execute("SELECT number FROM versions ORDER BY number")] == [1, 2, 3, 4]
    rollbacks = db.execute(
        "SELECT stage, target, detail FROM events WHERE kind = 'rollback.succeeded'"
    ).fetchall()
    assert [(s, t) for s, t, _ in rollbacks] == [("prod-wave-2", "eu-west-1")]
    assert "from v3 to v2" in rollbacks[0][2]
    why = db.execute(
        "SELECT detail FROM events WHERE kind = 'step.failed' AND version = 3"
    ).fetchone()[0]
    assert "ALARM" in why
    states = dict(db.execute("SELECT stage, state FROM stage_versions WHERE version = 3"))
    assert states["prod-wave-2"] == "rejected" and "prod-wave-3" not in states
    targets = db.execute("SELECT stage, target, version, state FROM targets").fetchall()
    assert len(targets) == 1 + 2 + 1 + 2 + 3
    assert {(v, s) for _, _, v, s in targets} == {(4, "succeeded")}
    assert service_processes(str(tmp_path)) == []
    # The reference pipeline's [[notify]] got each event it asked for, once.
    sent = (tmp_path / ".captain" / "notifications.jsonl").read_text().splitlines()
    kinds = [json.loads(line)["kind"] for line in sent if line.strip()]
    assert kinds.count("rollback.succeeded") == 1 and "approval.waiting" in kinds
    assert "stage.rejected" in kinds and "step.passed" not in kinds

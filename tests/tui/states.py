"""Builds the pipeline states the TUI tests draw: a harness (fake clock, scripted
commands, fake source) driven to a known point, and a `Captain` over the same state."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from release_captain.service import Captain
from release_captain.store.previews import PreviewState
from release_captain.testing import Harness, harness
from release_captain.testing_git import git, git_env, init_repo

if TYPE_CHECKING:
    from release_captain.service import StageView, TargetView

# Deploys run `true`: a rollback without an engine runs its deploy for real.
PIPELINE = """
[pipeline]
name = "shop"

[[sources]]
name = "app"
repo = "repo"

[build]
run = ["make"]

[defaults]
deploy = "true"

[[stages]]
name = "beta"
targets = ["local"]
approvals = [{ name = "integration", run = "integration" }]

[[stages]]
name = "gamma"
targets = ["us-east-1", "eu-west-1"]
approvals = [{ name = "health", bake = "5m", monitors = ["errors"], interval = "30s" }]

[[stages]]
name = "prod"
promotion = "manual"
waves = [["us-west-2"], ["eu-west-1", "us-east-1"]]
approvals = [{ name = "soak", wait = "10m" }]

[monitors.errors]
run = "errors"
"""

OK = {"make": 0, "true": 0, "integration": 0, "errors": 0}


@dataclass
class World:
    """A harness and the service over the same state."""

    h: Harness
    captain: Captain

    def commit(self, sha: str, message: str = "change", author: str = "Ada") -> None:
        """A new head on the mainline, seen by the engine at once."""
        self.h.sources["app"].commit_to(sha, message, author)
        self.h.announce_commit()
        self.h.settle()

    def stage(self, name: str) -> StageView:
        """The stage as `captain status` reports it."""
        return next(s for s in self.captain.status().stages if s.name == name)

    def target(self, stage: str, name: str) -> TargetView:
        """The target as `captain status` reports it."""
        return next(t for t in self.stage(stage).targets if t.name == name)


def world(tmp_path: Path, pipeline: str = PIPELINE) -> World:
    """A fresh pipeline over `tmp_path`, nothing committed yet."""
    h = harness(tmp_path, pipeline, script=OK)
    return World(h=h, captain=Captain(h.pipeline, clock=h.clock, store=h.store))


def waiting(tmp_path: Path) -> World:
    """v1 passed beta and gamma and waits for a person's approval to enter prod-wave-1."""
    w = world(tmp_path)
    w.commit("a1b2c3d4e5f6", "Add the basket page")
    w.h.advance(300)  # gamma's bake
    return w


def idle(tmp_path: Path) -> World:
    """v1 went all the way: every stage passed it, nothing runs, nothing waits."""
    w = waiting(tmp_path)
    w.captain.approve("prod-wave-1", comment="ship it")
    w.h.settle()
    w.h.advance(600)  # wave 1's soak
    w.h.advance(600)  # wave 2's soak
    return w


def baking(tmp_path: Path) -> World:
    """v2 passed beta and bakes in gamma: 2m50s of 5m left, its monitor checked."""
    w = idle(tmp_path)
    w.commit("b2c3d4e5f6a7", "Faster checkout", author="Grace")
    w.h.advance(130)
    return w


def approving(tmp_path: Path) -> World:
    """v2 passed gamma and waits for approval to enter prod, where v1 runs."""
    w = idle(tmp_path)
    w.commit("b2c3d4e5f6a7", "Faster checkout", author="Grace")
    w.h.advance(300)
    return w


def _real_commit(w: World, files: dict[str, str], message: str, author: str, at: int) -> str:
    """A commit in a real repository at the source's path, with fixed dates so its SHA
    is the same in every run, handed to the fake source as its new head."""
    path = w.h.pipeline.sources[0].path
    if not path.exists():
        init_repo(path)
    for name, text in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(text)
    date = f"@{1_790_000_000 + at} +0000"
    env = {**git_env(f"{author} <{author.lower()}@example.com>"), "GIT_AUTHOR_DATE": date}
    env["GIT_COMMITTER_DATE"] = date
    git(path, "add", "--", *files, env=env)
    git(path, "commit", "--quiet", "-m", message, env=env)
    sha = git(path, "rev-parse", "HEAD", env=env)
    w.h.sources["app"].commit_to(sha, message, author)
    return sha


def approving_with_changes(tmp_path: Path) -> World:
    """v3 waits for approval to enter prod, where v1 runs (v2 waited there before it):
    v2 and v3 bring four real commits over v1, touching six files (app.py by three)."""
    w = world(tmp_path)
    _real_commit(w, {"app.py": "1\n"}, "Add the basket page", "Ada", 0)
    w.h.announce_commit()
    w.h.settle()
    w.h.advance(300)
    w.captain.approve("prod-wave-1", comment="ship it")
    w.h.settle()
    w.h.advance(600)
    w.h.advance(600)
    _real_commit(w, {"app.py": "2\n", "basket.py": "b\n"}, "Faster checkout", "Grace", 60)
    w.h.announce_commit()
    w.h.settle()
    w.h.advance(300)
    _real_commit(w, {"app.py": "3\n", "docs/checkout.md": "d\n"}, "Document it", "Linus", 120)
    _real_commit(w, {"pay.py": "p\n", "tax.py": "t\n"}, "Taxes at checkout", "Ada", 180)
    _real_commit(w, {"app.py": "4\n", "ui.css": "c\n"}, "Bigger buttons", "Grace", 240)
    w.h.announce_commit()
    w.h.settle()
    w.h.advance(300)
    return w


def journeys(tmp_path: Path) -> World:
    """Five versions over two hours: v1 went all the way; v2 waited at prod's gate until
    v4 superseded it; v3 was rejected in gamma by a person; v4 waits at prod's gate;
    v5 bakes in gamma."""
    w = idle(tmp_path)
    w.h.advance(3600)
    w.commit("b2c3d4e5f6a7", "Faster checkout", author="Grace")
    w.h.advance(300)
    w.commit("c3d4e5f6a7b8", "Taxes at checkout", author="Linus")
    w.h.advance(120)
    w.captain.reject("gamma", version=3, comment="tax totals are wrong for EU baskets")
    w.h.settle()
    w.h.advance(600)
    w.commit("d4e5f6a7b8c9", "Bigger buttons", author="Ada")
    w.h.advance(300)
    w.commit("e5f6a7b8c9d0", "Faster search", author="Grace")
    w.h.advance(60)
    return w


# prod promotes on its own but a freeze blocks it all of the fake clock's day.
BLOCKED_PIPELINE = (
    PIPELINE.replace('promotion = "manual"\n', 'blockers = ["freeze"]\n')
    + """
[blockers.freeze]
deny = ["2026-09-21"]
timezone = "Europe/London"
"""
)


def blocked(tmp_path: Path) -> World:
    """v1 passed gamma; prod's freeze holds it until midnight in London."""
    w = world(tmp_path, BLOCKED_PIPELINE)
    w.commit("a1b2c3d4e5f6", "Add the basket page")
    w.h.advance(300)
    return w


def fixed(tmp_path: Path) -> World:
    """v1 failed beta's integration test (`integration` exited 1) and was rejected
    there; v2, with the test mended, passed beta and bakes in gamma."""
    w = world(tmp_path)
    w.h.runner.script["integration"] = 1
    w.commit("a1b2c3d4e5f6", "Add the basket page")
    w.h.runner.script["integration"] = 0
    w.commit("b2c3d4e5f6a7", "Mend the basket page", author="Grace")
    return w


# beta soaks each version for five minutes, then settles for five more.
TWO_WAITS_PIPELINE = PIPELINE.replace(
    'approvals = [{ name = "integration", run = "integration" }]',
    'approvals = [{ name = "soak", wait = "5m" }, { name = "settle", wait = "5m" }]',
)


def soaking(tmp_path: Path) -> World:
    """v1 soaks in beta (the first of its two waits), 1m in."""
    w = world(tmp_path, TWO_WAITS_PIPELINE)
    w.commit("a1b2c3d4e5f6", "Add the basket page")
    w.h.advance(60)
    return w


#: The pipeline with a `[preview]` table (SPEC §11).
PREVIEW_PIPELINE = PIPELINE + '\n[preview]\ndeploy = "true"\nteardown = "true"\n'


def put_preview(
    w: World,
    branch: str,
    *,
    state: PreviewState,
    ago: float,
    url: str | None = None,
    detail: str = "",
) -> None:
    """Record `branch`'s preview as the previewer would have, `ago` seconds before now."""
    store, at = w.h.store, w.h.clock() - ago
    name = branch.replace("/", "-")
    with store.write():
        store.previews.begin(
            branch, preview=name, commit="f00dfeed1234567", state="building", now=at
        )
        if state in ("deployed", "failed"):
            store.previews.finish(branch, ok=state == "deployed", detail=detail, url=url, now=at)
        elif state != "building":
            store.previews.begin(
                branch, preview=name, commit="f00dfeed1234567", state=state, now=at
            )


def previewing(tmp_path: Path) -> World:
    """v1 waits at prod's door while two branches have previews: one deployed 3 minutes
    ago, one whose deploy failed a minute ago."""
    w = world(tmp_path, PREVIEW_PIPELINE)
    w.commit("a1b2c3d4e5f6", "Add the basket page")
    w.h.advance(300)
    put_preview(
        w,
        "feature/login",
        state="deployed",
        ago=180,
        url="http://127.0.0.1:40123/",
        detail="deployed: http://127.0.0.1:40123/",
    )
    put_preview(w, "feature/search", state="failed", ago=60, detail="deploy exited 1")
    return w

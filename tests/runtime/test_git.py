"""Sources through git (rules R1 and R2): heads, the commits a version includes (force
pushes too), mirrors of URL sources, and clean checkouts that never touch the user's
working copy."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from release_captain.config.model import Source
from release_captain.runtime.git import GitSource, SourceError
from release_captain.runtime.watched_source import Change
from release_captain.testing_git import commit, git, init_repo


def local(path: Path, branch: str = "main", name: str = "app") -> GitSource:
    return GitSource(
        Source(name=name, repo=str(path), branch=branch, poll=2.0, is_url=False, path=path)
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = init_repo(tmp_path / "repo")
    commit(path, {"app.py": "print(1)\n"}, "first")
    return path


def test_head_follows_commits(repo: Path) -> None:
    source = local(repo)
    source.prepare()
    first = source.head()
    assert first == git(repo, "rev-parse", "main")
    second = commit(repo, {"app.py": "print(2)\n"}, "second")
    assert source.head() == second != first
    source.close()


def test_head_reads_packed_refs_and_branches_with_slashes(repo: Path) -> None:
    git(repo, "checkout", "--quiet", "-b", "release/1.x")
    sha = commit(repo, {"x": "1"}, "on release")
    git(repo, "pack-refs", "--all")
    assert not (repo / ".git" / "refs" / "heads" / "release" / "1.x").exists()
    assert local(repo, branch="release/1.x").head() == sha


def test_a_loose_ref_written_after_packing_wins(repo: Path) -> None:
    git(repo, "pack-refs", "--all")
    newer = commit(repo, {"app.py": "print(3)\n"}, "after packing")
    assert local(repo).head() == newer


def test_a_symbolic_branch_is_resolved_by_git(repo: Path) -> None:
    git(repo, "symbolic-ref", "refs/heads/alias", "refs/heads/main")
    assert local(repo, branch="alias").head() == git(repo, "rev-parse", "main")


def test_missing_branch_is_none(repo: Path) -> None:
    assert local(repo, branch="develop").head() is None


def test_an_empty_repository_has_no_head(tmp_path: Path) -> None:
    assert local(init_repo(tmp_path / "empty")).head() is None


def test_not_a_repository(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    with pytest.raises(SourceError, match=r"^source 'app': .*plain is not a git repository$"):
        local(tmp_path / "plain").prepare()
    with pytest.raises(SourceError, match=r"^source 'app': .*nowhere does not exist$"):
        local(tmp_path / "nowhere").head()


def test_commit_info(repo: Path) -> None:
    sha = commit(repo, {"a": "1"}, "Fix the thing\n\nLonger story.", author="Bob <bob@example.com>")
    info = local(repo).commit(sha)
    assert (info.sha, info.author, info.email) == (sha, "Bob", "bob@example.com")
    assert info.message == "Fix the thing\n\nLonger story."
    assert info.committed_at > 0
    with pytest.raises(SourceError, match="does not exist"):
        local(repo).commit("0" * 40)


def test_a_change_has_its_parents_and_the_files_it_touched(repo: Path) -> None:
    first = git(repo, "rev-parse", "main")
    git(repo, "rm", "--quiet", "app.py")
    second = commit(repo, {"docs/readme.md": "hi\n", "lib/x.py": "x = 1\n"}, "second")
    change = local(repo).change(second)
    assert change == Change(
        sha=second, parents=(first,), files=("app.py", "docs/readme.md", "lib/x.py")
    )
    root = local(repo).change(first)
    assert (root.parents, root.files) == ((), ("app.py",))
    with pytest.raises(SourceError, match=r"commit 0{12} does not exist"):
        local(repo).change("0" * 40)


def test_files_touched_counts_the_commits_that_touched_each_file(repo: Path) -> None:
    first = git(repo, "rev-parse", "main")
    second = commit(repo, {"app.py": "print(2)\n", "lib/x.py": "x = 1\n"}, "second")
    git(repo, "checkout", "--quiet", "-b", "side")
    side = commit(repo, {"docs/a file.md": "hi\n"}, "on the side")
    git(repo, "checkout", "--quiet", "main")
    third = commit(repo, {"app.py": "print(3)\n"}, "third")
    git(repo, "merge", "--quiet", "--no-edit", side)
    merge = git(repo, "rev-parse", "main")
    source = local(repo)
    assert source.files_touched([merge, third, second]) == {
        "docs/a file.md": 1,  # the merge brought it in, against its first parent
        "app.py": 2,
        "lib/x.py": 1,
    }
    assert source.files_touched([first]) == {"app.py": 1}
    assert source.files_touched([]) == {}
    with pytest.raises(SourceError):
        source.files_touched(["0" * 40])


def test_a_message_with_a_nul_byte_is_read_through_gitpython(repo: Path) -> None:
    """`git log -z` cannot frame such a message; the commits are then read one object
    at a time."""
    parent = git(repo, "rev-parse", "main")
    tree = git(repo, "rev-parse", "main^{tree}")
    raw = (
        f"tree {tree}\nparent {parent}\n"
        "author Eve <eve@example.com> 1700000000 +0000\n"
        "committer Eve <eve@example.com> 1700000000 +0000\n\nodd\0message\n"
    ).encode()
    done = subprocess.run(
        ["git", "-C", str(repo), "hash-object", "-t", "commit", "-w", "--literally", "--stdin"],
        input=raw,
        capture_output=True,
        check=True,
    )
    sha = done.stdout.decode().strip()
    git(repo, "update-ref", "refs/heads/main", sha)
    found = local(repo).commits_between(parent, sha)
    assert [(c.sha, c.author, c.committed_at) for c in found] == [(sha, "Eve", 1700000000.0)]
    assert found[0].message.startswith("odd")


def test_commits_between_a_range(repo: Path) -> None:
    old = git(repo, "rev-parse", "HEAD")
    b = commit(repo, {"a": "1"}, "b")
    c = commit(repo, {"a": "2"}, "c\n\nwith a body")
    source = local(repo)
    between = source.commits_between(old, c)
    assert [x.sha for x in between] == [c, b]
    assert [x.message for x in between] == ["c\n\nwith a body", "b"]
    assert source.commits_between(c, c) == []
    assert [x.sha for x in source.commits_between(None, c)] == [c, b, old]
    assert [x.sha for x in source.commits_between(None, c, limit=2)] == [c, b]


def test_commits_between_after_a_force_push(repo: Path) -> None:
    base = git(repo, "rev-parse", "HEAD")
    commit(repo, {"a": "1"}, "b")
    old = commit(repo, {"a": "2"}, "c")
    git(repo, "reset", "--quiet", "--hard", base)
    new = commit(repo, {"a": "3"}, "rewritten")
    source = local(repo)
    assert source.head() == new
    assert [x.sha for x in source.commits_between(old, new)] == [new]


def test_commits_between_when_the_old_commit_is_gone(repo: Path) -> None:
    new = commit(repo, {"a": "1"}, "b")
    gone = "1234567890" * 4
    assert [x.message for x in local(repo).commits_between(gone, new)] == ["b", "first"]


def test_checkout_is_exact_and_leaves_the_working_copy_alone(repo: Path, tmp_path: Path) -> None:
    first = git(repo, "rev-parse", "HEAD")
    commit(repo, {"app.py": "print(2)\n", "new.txt": "new\n"}, "second")
    (repo / "app.py").write_text("uncommitted edit\n")
    (repo / "untracked.txt").write_text("mine\n")
    git(repo, "add", "untracked.txt")
    status = git(repo, "status", "--porcelain")
    head = git(repo, "rev-parse", "HEAD")

    dest = tmp_path / "worktrees" / "v1" / "app"
    local(repo).checkout(first, dest)

    assert (dest / "app.py").read_text() == "print(1)\n"
    assert not (dest / "new.txt").exists() and not (dest / "untracked.txt").exists()
    assert git(dest, "rev-parse", "HEAD") == first
    assert git(dest, "status", "--porcelain") == ""
    assert (repo / "app.py").read_text() == "uncommitted edit\n"
    assert git(repo, "status", "--porcelain") == status
    assert git(repo, "rev-parse", "HEAD") == head
    assert git(repo, "symbolic-ref", "HEAD") == "refs/heads/main"


def test_checkout_of_an_unknown_commit_fails_clearly(repo: Path, tmp_path: Path) -> None:
    dest = tmp_path / "w" / "app"
    with pytest.raises(
        SourceError, match=r"^source 'app': checking out commit 000000000000 failed"
    ):
        local(repo).checkout("0" * 40, dest)
    assert not dest.exists()
    with pytest.raises(SourceError, match="is not a commit SHA"):
        local(repo).checkout("--upload-pack=evil", dest)


def test_worktrees_and_bare_repositories(repo: Path, tmp_path: Path) -> None:
    git(repo, "worktree", "add", "--quiet", "-b", "feature", str(tmp_path / "wt"))
    sha = commit(tmp_path / "wt", {"f": "1"}, "in the worktree")
    worktree = local(tmp_path / "wt", branch="feature")
    assert worktree.head() == sha
    git_dir = repo.resolve() / ".git"
    assert worktree.watch_paths() == [git_dir / "refs" / "heads", git_dir]
    worktree.checkout(sha, tmp_path / "co1")
    assert (tmp_path / "co1" / "f").read_text() == "1"

    git(tmp_path, "clone", "--quiet", "--bare", str(repo), "bare.git")
    bare = local(tmp_path / "bare.git")
    assert bare.head() == git(repo, "rev-parse", "main")
    bare_dir = tmp_path.resolve() / "bare.git"
    assert bare.watch_paths() == [bare_dir / "refs" / "heads", bare_dir]
    bare.checkout(bare.head() or "", tmp_path / "co2")
    assert (tmp_path / "co2" / "app.py").read_text() == "print(1)\n"


def test_a_url_source_is_mirrored_and_fetched(repo: Path, tmp_path: Path) -> None:
    mirror = tmp_path / "state" / "mirrors" / "app"
    source = GitSource(
        Source(name="app", repo=repo.as_uri(), branch="main", poll=1.0, is_url=True, path=mirror)
    )
    source.prepare()
    assert source.head() == git(repo, "rev-parse", "main")
    assert source.watch_paths() == []
    source.prepare()  # already there: nothing to do

    new = commit(repo, {"b": "2"}, "upstream change")
    assert source.head() != new
    source.fetch()
    assert source.head() == new
    assert source.commits_between(None, new)[0].message == "upstream change"
    source.checkout(new, tmp_path / "co")
    assert (tmp_path / "co" / "b").read_text() == "2"
    source.close()


def test_an_unreachable_url_fails_clearly(tmp_path: Path) -> None:
    source = GitSource(
        Source(
            name="app",
            repo=(tmp_path / "missing").as_uri(),
            branch="main",
            poll=1.0,
            is_url=True,
            path=tmp_path / "mirrors" / "app",
        )
    )
    with pytest.raises(SourceError, match=r"^source 'app': cloning file://.* failed: "):
        source.prepare()
    assert not (tmp_path / "mirrors" / "app").exists()
    assert list((tmp_path / "mirrors").iterdir()) == []

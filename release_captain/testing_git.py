"""Provides real git repositories for tests: make one, commit files to it (the same
functions the demo uses, from `runtime.git_authoring`)."""

from release_captain.runtime.git_authoring import commit, git, git_env, init_repo

__all__ = ["commit", "git", "git_env", "init_repo"]

"""Provides removing the captain's own temporary folders (build checkouts, version
trees) whatever their commands did to them: a build may leave read-only files, and a
folder that cannot be removed must not stop the engine.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any


def remove_tree(folder: Path) -> None:
    """Remove a folder and everything in it, even read-only files and folders a build or
    a step left behind; a folder that is not there is fine."""
    if not folder.exists() and not folder.is_symlink():
        return

    def make_writable(func: Callable[..., Any], path: str, _exc: Any) -> None:
        parent = os.path.dirname(path)
        try:
            os.chmod(parent, os.stat(parent).st_mode | stat.S_IWUSR | stat.S_IXUSR)
            if not os.path.islink(path):
                os.chmod(path, os.stat(path).st_mode | stat.S_IWUSR | stat.S_IXUSR)
        except OSError:
            return
        with contextlib.suppress(OSError):
            func(path)

    if folder.is_symlink():
        folder.unlink()
    elif sys.version_info >= (3, 12):
        shutil.rmtree(folder, onexc=make_writable)
    else:
        shutil.rmtree(folder, onerror=make_writable)
